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

    [Fact]
    public void A_listener_looks_at_every_message_while_its_sightings_build_up()
    {
        MixedBusWatch watch = MixedBusWatch.ForListener;
        long t = 1_000_000;
        watch.Looked(t, sawCListener: true);
        Assert.True(watch.ShouldLook(t + 1)); // not only a millisecond later: the next message may need the hold
        watch.Looked(t + 1, sawCListener: true);
        Assert.True(watch.ShouldLook(t + 2));
        watch.Looked(t + 2, sawCListener: false);
        Assert.False(watch.ShouldLook(t + 3)); // a miss: back to one look per interval
        Assert.False(watch.IsMixed(t + 3));
    }

    /// <summary>
    /// Regression (issue 17): a listener that acknowledged before another, and reached its wait
    /// only after the delivery had ended and the others had re-queued, waited for S = 0, which
    /// only the next delivery brings, and that delivery cannot start while it holds W: every such
    /// message cost the whole 50 ms bound. Its hold now ends as soon as every listener counted
    /// again has raised Q.
    /// </summary>
    [Fact]
    public void A_listener_does_not_wait_for_acknowledgements_once_the_delivery_is_over()
    {
        string path = _sandbox.CreateBus();
        Bus bus = _sandbox.Open(path);
        // This listener acknowledged (holds W, not counted); another one re-queued (counted, queued)
        // once the broadcaster ended the delivery (N = 0).
        SetAll(bus, s: 1, w: 1, x: 1, q: 1, n: 0);

        Thread wait = Holding(bus, releasedAtOnce: 1);

        Assert.True(wait.Join(Wait), "still holding W after the others queued again");
        Assert.Equal(new ushort[] { 1, 1, 1, 1, 0 }, bus.GetSemaphoreValues()); // it changes no semaphore
        SetAll(bus, s: 0, w: 0, x: 1, q: 0, n: 0);
    }

    /// <summary>While the delivery is on (N = 1), a listener that holds W for a C listener sleeps on N.</summary>
    [Fact]
    public void A_listener_holding_W_for_a_C_listener_sleeps_until_the_delivery_is_over()
    {
        string path = _sandbox.CreateBus();
        Bus bus = _sandbox.Open(path);
        SetAll(bus, s: 1, w: 1, x: 0, q: 0, n: 1); // a C listener in its callback: counted, no W

        var done = new ManualResetEventSlim();
        var thread = new Thread(() =>
        {
            bus.Semaphores.AwaitDeliveryOver(noWait: false, Deadline.Infinite, CancellationToken.None);
            done.Set();
        }) { IsBackground = true };
        thread.Start();
        Stopwatch sleeping = Stopwatch.StartNew();
        while (SemCtl(bus.SemaphoreId, Semaphores.N, GETZCNT) == 0)
        {
            Assert.False(done.IsSet, "returned while the delivery was on");
            Assert.True(sleeping.Elapsed < Wait, "never slept on N");
            Thread.Sleep(1);
        }

        SetAll(bus, s: 0, w: 2, x: 1, q: 0, n: 0); // the C listener acknowledged, the broadcaster ended the delivery
        Assert.True(done.Wait(Wait), "still asleep after the delivery ended");
        Assert.True(bus.Semaphores.AwaitDeliveryOver(noWait: true, Deadline.Infinite, CancellationToken.None)); // N = 0: at once
        SetAll(bus, s: 0, w: 0, x: 1, q: 0, n: 0);
    }

    /// <summary>
    /// Back to back, the C listener's restore (<c>V(S)u; P(W)u; V(Q)</c>) must not be the one that
    /// frees the bus: the LibBus listener holds W while the C listener holds it, and while it is
    /// counted again without having raised Q (between its <c>P(W)</c> and its <c>V(Q)</c>).
    /// </summary>
    [Fact]
    public void A_listener_holds_W_until_a_C_listener_has_queued_again()
    {
        string path = _sandbox.CreateBus();
        Bus bus = _sandbox.Open(path);
        SetAll(bus, s: 0, w: 2, x: 1, q: 0, n: 0); // the delivery is over; the C listener still holds W

        Thread wait = Holding(bus, releasedAtOnce: 1);
        Thread.Sleep(100);
        Assert.True(wait.IsAlive, "stopped holding while the C listener held W");

        SetAll(bus, s: 1, w: 1, x: 1, q: 0, n: 0); // its V(S)u and P(W)u: counted, not yet queued
        Thread.Sleep(100);
        Assert.True(wait.IsAlive, "stopped holding between the C listener's P(W) and V(Q)");

        SetAll(bus, s: 1, w: 1, x: 1, q: 1, n: 0); // its V(Q)
        Assert.True(wait.Join(Wait), "still holding after the C listener queued again");
        SetAll(bus, s: 0, w: 0, x: 1, q: 0, n: 0);
    }

    /// <summary>Listeners released at once with it are LibBus ones: it does not hold W for them.</summary>
    [Fact]
    public void A_listener_does_not_hold_W_for_the_listeners_released_with_it()
    {
        string path = _sandbox.CreateBus();
        Bus bus = _sandbox.Open(path);
        SetAll(bus, s: 0, w: 2, x: 1, q: 0, n: 0); // it and another LibBus listener hold W

        Assert.True(Holding(bus, releasedAtOnce: 2).Join(Wait), "held W for a LibBus listener");
        SetAll(bus, s: 0, w: 0, x: 1, q: 0, n: 0);
    }

    /// <summary>A listener after the delivery, holding W for a C listener, in its hold (no bound).</summary>
    private static Thread Holding(Bus bus, int releasedAtOnce)
    {
        var thread = new Thread(() => bus.Semaphores.AwaitOthersQueued(releasedAtOnce, TimeSpan.MaxValue)) { IsBackground = true };
        thread.Start();
        return thread;
    }

    private static unsafe void SetAll(Bus bus, ushort s, ushort w, ushort x, ushort q, ushort n)
    {
        ushort* values = stackalloc ushort[] { s, w, x, q, n };
        Assert.Equal(0, SemCtl(bus.SemaphoreId, 0, SETALL, values));
    }
}
