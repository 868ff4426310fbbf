using System.Diagnostics.Metrics;

namespace LibBus.Hosting;

/// <summary>
/// The System.Diagnostics.Metrics instruments of LibBus.Hosting, on the meter
/// <see cref="MeterName"/> (so <c>AddMeter("LibBus")</c> in OpenTelemetry, or
/// <c>dotnet-counters monitor --counters LibBus</c>, picks them up). Each measurement
/// carries the tag <see cref="PathTag"/>, the bus's key file.
/// </summary>
public sealed class BusMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "LibBus";
    /// <summary>Counter: messages delivered by <see cref="IBusPublisher"/> (every listener copied them).</summary>
    public const string MessagesSent = "libbus.messages.sent";
    /// <summary>Counter: messages the hosted listener received.</summary>
    public const string MessagesReceived = "libbus.messages.received";
    /// <summary>Histogram, seconds: from a publish call until every listener copied the message.</summary>
    public const string DeliveryDuration = "libbus.delivery.duration";
    /// <summary>Counter: publishes that failed with <see cref="BusTimeoutException"/>.</summary>
    public const string BroadcastsTimedOut = "libbus.broadcasts.timed_out";
    /// <summary>Counter: handler calls that threw.</summary>
    public const string HandlerFailures = "libbus.handler.failures";
    /// <summary>The tag naming the bus.</summary>
    public const string PathTag = "libbus.bus.path";

    private readonly Counter<long> _sent;
    private readonly Counter<long> _received;
    private readonly Histogram<double> _delivery;
    private readonly Counter<long> _timedOut;
    private readonly Counter<long> _handlerFailures;

    /// <summary>Creates the instruments on a meter from <paramref name="meterFactory"/> (disposed with it).</summary>
    public BusMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        Meter meter = meterFactory.Create(MeterName);
        _sent = meter.CreateCounter<long>(MessagesSent, "{message}", "Messages delivered to every listener");
        _received = meter.CreateCounter<long>(MessagesReceived, "{message}", "Messages received by the hosted listener");
        _delivery = meter.CreateHistogram<double>(DeliveryDuration, "s", "Time from a publish call until every listener copied the message");
        _timedOut = meter.CreateCounter<long>(BroadcastsTimedOut, "{broadcast}", "Publishes that timed out");
        _handlerFailures = meter.CreateCounter<long>(HandlerFailures, "{call}", "Handler calls that threw");
    }

    internal void Sent(string path, TimeSpan delivery)
    {
        var tag = Tag(path);
        _sent.Add(1, tag);
        _delivery.Record(delivery.TotalSeconds, tag);
    }

    internal void Received(string path) => _received.Add(1, Tag(path));
    internal void TimedOut(string path) => _timedOut.Add(1, Tag(path));
    internal void HandlerFailed(string path) => _handlerFailures.Add(1, Tag(path));

    private static KeyValuePair<string, object?> Tag(string path) => new(PathTag, path);
}
