using System.Diagnostics;
using LibBus.Tests.Infrastructure;
using static LibBus.Interop.Libc;

namespace LibBus.Tests;

/// <summary>
/// The bounded waits that shield C listeners (PROTOCOL.md, broadcast steps 4 and 5, listen
/// step 5) and the watch that decides when they and their reads are worth paying (issue 17:
/// on a bus of LibBus listeners they cost a quarter of the throughput on a busy CPU).
/// </summary>
public sealed class ShieldTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private readonly BusSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    private static readonly long Interval = MixedBusWatch.LookInterval;

    [Fact]
    public void A_calm_watch_looks_at_the_first_message_then_once_per_interval()
    {
        MixedBusWatch watch = MixedBusWatch.ForBroadcaster;
        long t = 1_000_000;
        Assert.True(watch.ShouldLook(t));
        watch.Looked(t, sawCListener: false);

        Assert.False(watch.ShouldLook(t + 1));
        Assert.False(watch.ShouldLook(t + Interval - 1));
        Assert.True(watch.ShouldLook(t + Interval));
        Assert.False(watch.IsMixed(t + Interval));
    }

    [Fact]
    public void A_broadcaster_looks_at_every_message_from_one_sighting_until_the_hold_passes_without_another()
    {
        MixedBusWatch watch = MixedBusWatch.ForBroadcaster;
        long t = 1_000_000;
        watch.Looked(t, sawCListener: true);
        Assert.True(watch.IsMixed(t));
        Assert.True(watch.ShouldLook(t + 1));

        // Misses do not end it: a C listener late for its wait looks released.
        for (int i = 1; i <= 100; i++) watch.Looked(t + i, sawCListener: false);
        Assert.True(watch.IsMixed(t + 101));
        Assert.True(watch.ShouldLook(t + 101));

        Assert.True(watch.IsMixed(t + MixedBusWatch.Hold - 1));
        Assert.False(watch.IsMixed(t + MixedBusWatch.Hold));
        watch.Looked(t + MixedBusWatch.Hold, sawCListener: false);
        Assert.False(watch.ShouldLook(t + MixedBusWatch.Hold + 1));
    }

    [Fact]
    public void A_listener_needs_three_sightings_in_a_row_to_look_at_every_message_and_three_misses_in_a_row_to_stop()
    {
        MixedBusWatch watch = MixedBusWatch.ForListener;
        long t = 1_000_000;

        // A busy CPU makes a LibBus listener look like a C one now and then: sightings broken by a miss do not count.
        foreach (bool saw in new[] { true, true, false, true, true, false })
        {
            watch.Looked(t, saw);
            t += Interval;
        }
        Assert.False(watch.IsMixed(t));

        for (int i = 0; i < 3; i++) watch.Looked(t + i, sawCListener: true);
        t += 3;
        Assert.True(watch.IsMixed(t));
        Assert.True(watch.ShouldLook(t));

        watch.Looked(t++, sawCListener: false);
        watch.Looked(t++, sawCListener: false);
        watch.Looked(t++, sawCListener: true);
        watch.Looked(t++, sawCListener: false);
        watch.Looked(t++, sawCListener: false);
        Assert.True(watch.IsMixed(t));
        watch.Looked(t, sawCListener: false);
        Assert.False(watch.IsMixed(t));
        Assert.False(watch.ShouldLook(t + 1));
    }

    /// <summary>
    /// Regression (issue 17): a listener that acknowledged before another, and reached its wait
    /// only after the delivery had ended and the others had re-queued, waited for S = 0, which
    /// only the next delivery brings, and that delivery cannot start while it holds W: every such
    /// message cost the whole 50 ms bound. Seen as a p99 of 50 ms on one CPU (LibBus listeners, C
    /// broadcaster, or a LibBus one that did not shield that message).
    /// </summary>
    [Fact]
    public void A_listener_does_not_wait_for_acknowledgements_once_the_delivery_is_over()
    {
        string path = _sandbox.CreateBus();
        Bus bus = _sandbox.Open(path);
        // This listener acknowledged (holds W, not counted); another one re-queued (counted, queued)
        // once the broadcaster ended the delivery (N = 0).
        SetAll(bus, s: 1, w: 1, x: 1, q: 1, n: 0);

        Thread wait = Waiting(bus, holding: 1);

        Assert.True(wait.Join(Wait), "still waiting for S = 0 after the delivery ended");
        Assert.Equal(new ushort[] { 1, 1, 1, 1, 0 }, bus.GetSemaphoreValues()); // it changes no semaphore
        SetAll(bus, s: 0, w: 0, x: 1, q: 0, n: 0);
    }

    /// <summary>While the delivery is on (N = 1), the same listener does wait for the others' acknowledgements.</summary>
    [Fact]
    public void A_listener_waits_for_the_others_acknowledgements_while_the_delivery_is_on()
    {
        string path = _sandbox.CreateBus();
        Bus bus = _sandbox.Open(path);
        SetAll(bus, s: 1, w: 2, x: 0, q: 0, n: 1); // another listener holds W and has not acknowledged

        Thread wait = Waiting(bus, holding: 2);
        Stopwatch sleeping = Stopwatch.StartNew();
        while (SemCtl(bus.SemaphoreId, Semaphores.S, GETZCNT) == 0)
        {
            Assert.True(wait.IsAlive, "returned before the other listener acknowledged");
            Assert.True(sleeping.Elapsed < Wait, "never waited for S = 0");
            Thread.Sleep(1);
        }
        Assert.True(wait.IsAlive);

        // The other acknowledges and re-queues once the broadcaster ends the delivery: W falls.
        SetAll(bus, s: 1, w: 1, x: 1, q: 1, n: 0);
        Assert.True(wait.Join(Wait), "still waiting after the other listener re-queued");
        SetAll(bus, s: 0, w: 0, x: 1, q: 0, n: 0);
    }

    /// <summary>A listener that acknowledged, not last, with <paramref name="holding"/> listeners holding W, in its wait (no bound).</summary>
    private static Thread Waiting(Bus bus, int holding)
    {
        var thread = new Thread(() =>
        {
            try
            {
                bus.Semaphores.AwaitOthersAsleep(new Semaphores.Acknowledgement(Last: false, holding), TimeSpan.MaxValue);
            }
            catch (BusRemovedException)
            {
                // A failed test's bus removed under the wait.
            }
        })
        {
            IsBackground = true,
        };
        thread.Start();
        return thread;
    }

    private static unsafe void SetAll(Bus bus, ushort s, ushort w, ushort x, ushort q, ushort n)
    {
        ushort* values = stackalloc ushort[] { s, w, x, q, n };
        Assert.Equal(0, SemCtl(bus.SemaphoreId, 0, SETALL, values));
    }
}
