using System.Buffers;
using NATS.Client.Core;

namespace LibBus.Nats;

/// <summary>
/// A message from NATS, checked as it is read off the socket: a valid bus message (copied), or
/// only the reason it is not one (nothing copied), so that what waits to be broadcast is small.
/// </summary>
internal sealed class Incoming
{
    private static readonly Incoming TooLong = new(null, BusBridgeRejection.TooLong);
    private static readonly Incoming HasNul = new(null, BusBridgeRejection.Nul);

    private Incoming(byte[]? data, BusBridgeRejection rejection)
    {
        Data = data;
        Rejection = rejection;
    }

    /// <summary>The message's bytes, or null if it is not a bus message.</summary>
    public byte[]? Data { get; }

    public BusBridgeRejection Rejection { get; }

    public static INatsDeserialize<Incoming> Deserializer { get; } = new IncomingDeserializer();

    private sealed class IncomingDeserializer : INatsDeserialize<Incoming>
    {
        public Incoming? Deserialize(in ReadOnlySequence<byte> buffer)
        {
            if (buffer.Length > BusMessage.MaxLength) return TooLong;
            if (buffer.PositionOf((byte)0) is not null) return HasNul;
            return new Incoming(buffer.ToArray(), default);
        }
    }
}
