using System.Diagnostics;

namespace LibBus.Hosting;

/// <summary><see cref="IBusPublisher"/> over the service's <see cref="Bus"/>, measured by <see cref="BusMetrics"/>.</summary>
internal sealed class BusPublisher(Bus bus, BusOptions options, BusMetrics metrics) : IBusPublisher
{
    private readonly TimeSpan? _timeout = options.PublishTimeout;

    public Task PublishAsync(string message, CancellationToken cancellationToken = default)
        => Measure(Stopwatch.GetTimestamp(), bus.BroadcastAsync(message, _timeout, cancellationToken));

    public Task PublishAsync(BusMessage message, CancellationToken cancellationToken = default)
        => Measure(Stopwatch.GetTimestamp(), bus.BroadcastAsync(message, _timeout, cancellationToken));

    private async Task Measure(long start, Task broadcast)
    {
        try
        {
            await broadcast.ConfigureAwait(false);
        }
        catch (BusTimeoutException)
        {
            metrics.TimedOut(bus.Path);
            throw;
        }
        metrics.Sent(bus.Path, Stopwatch.GetElapsedTime(start));
    }
}
