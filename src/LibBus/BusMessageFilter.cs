namespace LibBus;

/// <summary>
/// Chooses the messages a listener passes on (<see cref="Bus.Listen(Func{BusMessage, bool}, BusMessageFilter, Action?, CancellationToken)"/>,
/// <see cref="Bus.ListenBytes(BusBytesHandler, BusMessageFilter, Action?, CancellationToken)"/>,
/// <see cref="Bus.Subscribe(int, BusMessageFilter)"/>): true to pass the message on. Every message is
/// acknowledged as soon as it is copied, before the filter runs, so the filter never holds up the
/// delivery of the message it looks at, and a message it drops never waits for your code. The
/// listener takes the next message once the filter returns, so a slow filter holds the next
/// broadcaster back as a slow consumer does: keep it quick. <see cref="BusMessageFilters.Matching"/>
/// makes one from a regular expression.
/// </summary>
public delegate bool BusMessageFilter(ReadOnlySpan<byte> message);
