using System.Diagnostics.Metrics;
using System.Globalization;

namespace LibBus.Nats;

/// <summary>
/// What a <see cref="BusBridge"/> has done, readable at any time, and published as
/// System.Diagnostics.Metrics instruments of the meter <see cref="MeterName"/>.
/// </summary>
public sealed class BusBridgeCounters : IDisposable
{
    /// <summary>The name of the meter of every bridge; each bridge's instruments carry its origin as the tag <c>bus.bridge.origin</c>.</summary>
    public const string MeterName = "LibBus.Nats";

    private long _forwardedOut, _forwardedIn, _dropped, _reconnects;
    private readonly Meter _meter;

    internal BusBridgeCounters(string origin)
    {
        _meter = new Meter(MeterName);
        var tags = new KeyValuePair<string, object?>[] { new("bus.bridge.origin", origin) };
        _meter.CreateObservableCounter("bus.bridge.forwarded", () => new[]
        {
            new Measurement<long>(ForwardedOut, [tags[0], new("bus.bridge.direction", "out")]),
            new Measurement<long>(ForwardedIn, [tags[0], new("bus.bridge.direction", "in")]),
        }, "{message}", "Messages carried from the local bus to NATS (out) and from NATS to the local bus (in).");
        _meter.CreateObservableCounter("bus.bridge.dropped", () => new Measurement<long>(Dropped, tags),
            "{message}", "Messages lost by this bridge: buffer full, NATS slow consumer, or not a valid bus message.");
        _meter.CreateObservableCounter("bus.bridge.reconnects", () => new Measurement<long>(Reconnects, tags),
            "{reconnect}", "Reconnections to NATS after losing the connection.");
    }

    /// <summary>Messages published from the local bus to NATS (acknowledged by JetStream in durable mode).</summary>
    public long ForwardedOut => Interlocked.Read(ref _forwardedOut);

    /// <summary>Messages from other nodes broadcast on the local bus (returned: every local listener copied them).</summary>
    public long ForwardedIn => Interlocked.Read(ref _forwardedIn);

    /// <summary>Messages lost: the out buffer was full (plain mode), NATS dropped them for a slow consumer, or they were not valid bus messages.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Times the connection to NATS came back after being lost.</summary>
    public long Reconnects => Interlocked.Read(ref _reconnects);

    internal void CountOut() => Interlocked.Increment(ref _forwardedOut);
    internal void CountIn() => Interlocked.Increment(ref _forwardedIn);
    internal void CountDropped() => Interlocked.Increment(ref _dropped);
    internal void CountReconnect() => Interlocked.Increment(ref _reconnects);

    /// <summary>One line: <c>forwarded-out N forwarded-in N dropped N reconnects N</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"forwarded-out {ForwardedOut} forwarded-in {ForwardedIn} dropped {Dropped} reconnects {Reconnects}");

    /// <summary>Disposes the meter.</summary>
    public void Dispose() => _meter.Dispose();
}
