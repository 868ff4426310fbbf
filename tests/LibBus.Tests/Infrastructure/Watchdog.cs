using System.Diagnostics;

namespace LibBus.Tests.Infrastructure;

/// <summary>
/// Waits for a multi-process run to finish, failing it when nothing progresses
/// for 10 s (a wedged bus) and printing the five semaphore values.
/// </summary>
public static class Watchdog
{
    public static readonly TimeSpan Stall = TimeSpan.FromSeconds(10);

    /// <param name="bus">For the semaphore values in the failure message.</param>
    /// <param name="progress">A number that grows while the run makes progress.</param>
    /// <param name="done">True once the run is over.</param>
    /// <param name="limit">A hard limit for the whole run.</param>
    public static void Run(Bus bus, Func<long> progress, Func<bool> done, TimeSpan limit)
    {
        var total = Stopwatch.StartNew();
        var quiet = Stopwatch.StartNew();
        long last = progress();
        while (!done())
        {
            Thread.Sleep(50);
            long now = progress();
            if (now != last)
            {
                last = now;
                quiet.Restart();
            }
            else if (quiet.Elapsed > Stall)
            {
                throw new Xunit.Sdk.XunitException(
                    $"no progress for {Stall.TotalSeconds} s at {now}: wedged? {BusAssert.Describe(bus.GetSemaphoreValues())}");
            }
            if (total.Elapsed > limit)
                throw new Xunit.Sdk.XunitException($"run exceeded {limit.TotalSeconds} s at {now}: {BusAssert.Describe(bus.GetSemaphoreValues())}");
        }
    }
}
