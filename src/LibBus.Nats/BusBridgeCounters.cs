using System.Diagnostics.Metrics;
using System.Globalization;

namespace LibBus.Nats;

/// <summary>
/// What a <see cref="BusBridge"/> has done, readable at any time, and published as
/// System.Diagnostics.Metrics instruments of the meter <see cref="MeterName"/>.
/// </summary>
public sealed class BusBridgeCounters : IDisposable
{
    /// <summary>
    /// The name of the meter of every bridge; each bridge's instruments carry its origin as the tag
    /// <c>bus.bridge.origin</c> (<see cref="BusBridge.OriginId"/>: the same across restarts of a bridge on one bus).
    /// </summary>
    public const string MeterName = "LibBus.Nats";

    private long _forwardedOut, _forwardedIn, _dropped, _rejectedTooLong, _rejectedNul, _redelivered, _reconnects, _holds;
    private int _holding;
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
            "{message}", "Messages lost by this bridge: out buffer full (plain), NATS slow consumer, or a failed plain publish.");
        _meter.CreateObservableCounter("bus.bridge.rejected", () => new[]
        {
            new Measurement<long>(RejectedTooLong, [tags[0], new("bus.bridge.reason", "too-long")]),
            new Measurement<long>(RejectedNul, [tags[0], new("bus.bridge.reason", "nul")]),
        }, "{message}", "Messages from NATS that are not bus messages (over 2047 bytes, or with a NUL), not broadcast.");
        _meter.CreateObservableCounter("bus.bridge.redelivered", () => new Measurement<long>(Redelivered, tags),
            "{message}", "Durable mode: messages JetStream delivered again after they were broadcast; acknowledged, not broadcast again.");
        _meter.CreateObservableCounter("bus.bridge.reconnects", () => new Measurement<long>(Reconnects, tags),
            "{reconnect}", "Reconnections to NATS after losing the connection.");
        _meter.CreateObservableCounter("bus.bridge.holds", () => new Measurement<long>(Holds, tags),
            "{hold}", "Durable mode: times the bridge held local broadcasters (out buffer full, NATS confirming no publish for 1 s).");
        _meter.CreateObservableGauge("bus.bridge.holding", () => new Measurement<int>(Holding ? 1 : 0, tags),
            "{hold}", "Durable mode: 1 while the bridge holds local broadcasters (out buffer full, NATS confirming no publish), else 0.");
    }

    /// <summary>Messages published from the local bus to NATS (acknowledged by JetStream in durable mode).</summary>
    public long ForwardedOut => Interlocked.Read(ref _forwardedOut);

    /// <summary>Messages from other nodes broadcast on the local bus (returned: every local listener copied them).</summary>
    public long ForwardedIn => Interlocked.Read(ref _forwardedIn);

    /// <summary>
    /// Messages lost by this bridge: the out buffer was full (plain mode), NATS dropped them for a slow
    /// consumer, or a plain publish failed. (Plain messages lost inside NATS, for example in a server
    /// that crashed, are not seen by any bridge and not counted.)
    /// </summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Messages from NATS not broadcast because they are not bus messages: <see cref="RejectedTooLong"/> plus <see cref="RejectedNul"/>.</summary>
    public long Rejected => RejectedTooLong + RejectedNul;

    /// <summary>Messages from NATS longer than 2047 bytes.</summary>
    public long RejectedTooLong => Interlocked.Read(ref _rejectedTooLong);

    /// <summary>Messages from NATS containing a NUL byte.</summary>
    public long RejectedNul => Interlocked.Read(ref _rejectedNul);

    /// <summary>Durable mode: messages JetStream delivered again after they had been broadcast here; acknowledged and not broadcast again (not lost, not duplicated).</summary>
    public long Redelivered => Interlocked.Read(ref _redelivered);

    /// <summary>Times the connection to NATS came back after being lost.</summary>
    public long Reconnects => Interlocked.Read(ref _reconnects);

    /// <summary>Durable mode: holds so far, each told by <see cref="BusBridge.HoldStarted"/>.</summary>
    public long Holds => Interlocked.Read(ref _holds);

    /// <summary>
    /// Durable mode: true while the bridge holds local broadcasters (its out buffer full, NATS confirming no
    /// publish), from <see cref="BusBridge.HoldStarted"/> to <see cref="BusBridge.HoldEnded"/>.
    /// </summary>
    public bool Holding => Volatile.Read(ref _holding) != 0;

    internal void CountOut() => Interlocked.Increment(ref _forwardedOut);
    internal void CountIn() => Interlocked.Increment(ref _forwardedIn);
    internal void CountDropped() => Interlocked.Increment(ref _dropped);
    internal void CountRedelivered() => Interlocked.Increment(ref _redelivered);
    internal void CountReconnect() => Interlocked.Increment(ref _reconnects);

    internal void StartHold()
    {
        Interlocked.Increment(ref _holds);
        Volatile.Write(ref _holding, 1);
    }

    internal void EndHold() => Volatile.Write(ref _holding, 0);

    internal void CountRejected(BusBridgeRejection reason)
        => Interlocked.Increment(ref reason == BusBridgeRejection.Nul ? ref _rejectedNul : ref _rejectedTooLong);

    /// <summary>One line: <c>forwarded-out N forwarded-in N dropped N rejected N redelivered N reconnects N holds N</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"forwarded-out {ForwardedOut} forwarded-in {ForwardedIn} dropped {Dropped} rejected {Rejected} redelivered {Redelivered} reconnects {Reconnects} holds {Holds}");

    /// <summary>Disposes the meter.</summary>
    public void Dispose() => _meter.Dispose();
}
