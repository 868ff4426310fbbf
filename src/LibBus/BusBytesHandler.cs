namespace LibBus;

/// <summary>
/// Receives one message for <see cref="Bus.ListenBytes(BusBytesHandler, Action?, CancellationToken)"/>: its bytes as broadcast, without the
/// terminating NUL, valid only until the handler returns. Return false to stop listening.
/// </summary>
public delegate bool BusBytesHandler(ReadOnlySpan<byte> message);
