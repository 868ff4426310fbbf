using LibBus.Tests.Infrastructure;

namespace LibBus.Tests;

/// <summary>
/// A broadcaster giving up step 4 (timeout, cancellation) ends the delivery with Q raised,
/// <c>{P(N)u, V(X)u, V(Q)}</c> (issue 23; PROTOCOL.md, "Timeouts and cancellation"): a
/// listener counted at the publish that had not reached its wait then waits for the next
/// publish, instead of passing its wait while the next broadcaster writes (a C broadcaster
/// writes without raising Q: a torn copy, model row <c>mut6-giveup-no-vq</c>; with the step,
/// <c>mixb-2b2l2m-giveup</c> is ok).
/// </summary>
public sealed class GiveUpTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private readonly BusSandbox _sandbox = new();
    private readonly string _path;
    private readonly Bus _bus;

    public GiveUpTests()
    {
        _path = _sandbox.CreateBus();
        _bus = _sandbox.Open(_path);
    }

    public void Dispose() => _sandbox.Dispose();

    private int Value(int semaphore) => BusAssert.At(_bus.GetSemaphoreValues(), semaphore);

    [Fact]
    public void A_broadcaster_that_times_out_leaves_Q_raised_and_the_late_listener_gets_the_next_C_broadcast()
    {
        // Counted (joined), then 4 s before its first wait: not released by the publish below.
        Peer late = _sandbox.Dotnet("poll", _path, "1", "4000");
        late.WaitReady(Wait);

        var e = Assert.Throws<BusTimeoutException>(() => _bus.Broadcast("0 given up", TimeSpan.FromMilliseconds(300)));
        Assert.Equal(1, e.UnacknowledgedListeners);
        BusSemaphoreValues v = _bus.GetSemaphoreValues();
        Assert.True(v.Q >= 1, $"the give-up left Q at 0: {BusAssert.Describe(v)}");
        Assert.True(v.X == 1 && v.N == 0 && v.S == 1, BusAssert.Describe(v));

        // A C broadcaster writes without raising Q: the late listener must wait for its publish.
        Peer c = _sandbox.C("broadcast", _path, "0 next");
        Assert.Equal(0, c.WaitForExit(Wait));
        Assert.Equal(0, late.WaitForExit(Wait));
        Assert.Equal(["0 next"], late.StdoutLines);
        BusAssert.Idle(_bus);
    }

    [Fact]
    public void A_cancelled_broadcast_leaves_Q_raised()
    {
        Peer silent = _sandbox.Dotnet("poll", _path, "1", "600000");
        silent.WaitReady(Wait);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        Assert.ThrowsAny<OperationCanceledException>(() => _bus.Broadcast("0 cancelled", cancellationToken: cts.Token));
        BusSemaphoreValues v = _bus.GetSemaphoreValues();
        Assert.True(v.Q >= 1, $"the give-up left Q at 0: {BusAssert.Describe(v)}");
        Assert.True(v.X == 1 && v.N == 0, BusAssert.Describe(v));
        silent.Kill();
    }

    [Fact]
    public void A_give_up_with_Q_at_the_kernel_maximum_bounds_Q_and_still_raises_it()
    {
        Peer silent = _sandbox.Dotnet("poll", _path, "1", "600000");
        silent.WaitReady(Wait);
        Task<Exception?> broadcast = Task.Factory.StartNew<Exception?>(
            () => Record.Exception(() => _bus.Broadcast("0 given up", TimeSpan.FromSeconds(3))), TaskCreationOptions.LongRunning);
        // Published (N = 1, Q = 0): raise Q to the maximum, as old peers could leave it.
        Eventually.True(() => Value(Semaphores.N) == 1 && Value(Semaphores.Q) == 0, "the publish", Wait);
        Assert.Equal(0, Interop.Libc.SemCtl(_bus.SemaphoreId, Semaphores.Q, Interop.Libc.SETVAL, short.MaxValue));

        Assert.IsType<BusTimeoutException>(Eventually.Result(broadcast, Wait, "the broadcast to time out"));
        BusSemaphoreValues v = _bus.GetSemaphoreValues();
        Assert.True(v.X == 1 && v.N == 0, BusAssert.Describe(v));
        Assert.True(v.Q is >= 1 and < (ushort)short.MaxValue, $"Q not bounded: {BusAssert.Describe(v)}");
        silent.Kill();
    }

    /// <summary>
    /// The C original's timed example (doc/examples/timed: pollers on bus_poll_timed) with a
    /// LibBus broadcaster in the writer's role (<c>bus broadcast --timeout 100ms</c>) that gives
    /// up while one poller has the message and the other sleeps between polls, counted. What it
    /// does (PROTOCOL.md, "Timeouts and cancellation"): Q stays raised, so the sleeping poller's
    /// next polls wait for the next publish and it never gets the given-up message; the poller
    /// that got it waits in its barrier, <c>Z(S)</c>, for the other, holding W; so no
    /// broadcaster can take the bus until the sleeping poller stops or dies. Before issue 23, Q
    /// was left at 0: the sleeper passed its wait at its next poll and copied the given-up
    /// message late.
    /// </summary>
    [Fact]
    public void The_timed_example_with_two_C_pollers_is_held_after_a_give_up_until_the_poller_left_behind_stops()
    {
        Peer waiting = _sandbox.C("poll", _path, "60000", "0");    // always in its wait
        Peer sleeping = _sandbox.C("poll", _path, "100", "60000"); // times out, then sleeps 60 s
        waiting.WaitReady(Wait);
        sleeping.WaitReady(Wait);
        Assert.Equal("waiting... 1", sleeping.ReadErrorLine(Wait));

        Assert.Throws<BusTimeoutException>(() => _bus.Broadcast("0 given up", TimeSpan.FromMilliseconds(100)));
        Assert.Equal("0 given up", waiting.ReadLine(Wait));

        // The poller that got it acknowledges and waits in its barrier, holding W.
        Eventually.True(() => Value(Semaphores.W) == 1 && Value(Semaphores.S) == 1, "the waiting poller to reach its barrier", Wait);
        BusSemaphoreValues v = _bus.GetSemaphoreValues();
        Assert.True(v.Q >= 1 && v.N == 0 && v.X == 1, $"the give-up left Q at 0: {BusAssert.Describe(v)}");
        var held = Assert.Throws<BusTimeoutException>(() => _bus.Broadcast("0 held", TimeSpan.FromMilliseconds(300)));
        Assert.Contains("still busy", held.Message);

        // The poller left behind dies (Ctrl-C in the example): its undo lowers S, the barrier opens.
        sleeping.Kill();
        Eventually.True(() => Value(Semaphores.W) == 0, "the waiting poller to pass its barrier", Wait);
        _bus.Broadcast("0 after", Wait);
        Assert.Equal("0 after", waiting.ReadLine(Wait));
    }
}
