using System.Diagnostics;
using LibBus.Tests.Infrastructure;

namespace LibBus.Tests;

/// <summary>The broadcast and listen contract of PROTOCOL.md, across real processes.</summary>
public sealed class ProtocolTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private readonly BusSandbox _sandbox = new();
    private readonly string _path;
    private readonly Bus _bus;

    public ProtocolTests()
    {
        _path = _sandbox.CreateBus();
        _bus = _sandbox.Open(_path);
    }

    public void Dispose() => _sandbox.Dispose();

    private ushort Value(ushort index) => BusAssert.At(_bus.GetSemaphoreValues(), index);

    [Fact]
    public void Broadcast_with_no_listener_returns_and_leaves_the_semaphores_idle()
    {
        _bus.Broadcast("0 nobody hears this");
        BusAssert.Idle(_bus);
    }

    [Fact]
    public void Broadcast_returns_only_after_every_listener_copied_the_message()
    {
        // A poller that waits 2 s (from its readiness) before each poll stalls before copying.
        // It starts last, so a slow start of the other peer on a loaded machine cannot use up its stall.
        Peer prompt = _sandbox.Dotnet("listen", _path, "1");
        prompt.WaitReady();
        Peer stalling = _sandbox.Dotnet("poll", _path, "1", "2000");
        stalling.WaitReady();

        var clock = Stopwatch.StartNew();
        _bus.Broadcast("0 wait for me");
        clock.Stop();

        Assert.True(clock.ElapsedMilliseconds >= 1000, $"broadcast returned after {clock.ElapsedMilliseconds} ms, before the stalled listener copied");
        Assert.Equal(0, stalling.WaitForExit(Wait));
        Assert.Equal(0, prompt.WaitForExit(Wait));
        Assert.Equal(["0 wait for me"], stalling.StdoutLines);
        Assert.Equal(["0 wait for me"], prompt.StdoutLines);
        BusAssert.Idle(_bus);
    }

    [Fact]
    public void TryBroadcast_fails_at_once_while_another_broadcaster_holds_the_bus()
    {
        // A listener that never polls keeps the other broadcaster in its final wait, holding X.
        Peer silent = _sandbox.Dotnet("poll", _path, "1", "600000");
        silent.WaitReady();
        Peer holder = _sandbox.Dotnet("broadcast", _path, "0 held", "1");
        Eventually.True(() => Value(Semaphores.X) == 0, "the other broadcaster to take the bus");

        Assert.False(_bus.TryBroadcast("0 not now"));
        Assert.Equal(0, Value(Semaphores.X));

        silent.Signal(Interop.Libc.SIGKILL);   // its undo releases the delivery
        Assert.Equal("done", holder.ReadLine(Wait));
        Assert.Equal(0, holder.WaitForExit(Wait));
        Assert.True(_bus.TryBroadcast("0 now"));
        BusAssert.Idle(_bus);
    }

    [Fact]
    public void Broadcast_timeout_reports_how_many_listeners_had_not_acknowledged()
    {
        Peer a = _sandbox.Dotnet("poll", _path, "1", "600000");
        Peer b = _sandbox.Dotnet("poll", _path, "1", "600000");
        a.WaitReady();
        b.WaitReady();

        var e = Assert.Throws<BusTimeoutException>(() => _bus.Broadcast("0 too slow", TimeSpan.FromMilliseconds(300)));
        Assert.Equal(2, e.UnacknowledgedListeners);
        Assert.Contains(_path, e.Message);
        // Given up cleanly: lock free, no delivery in progress; both still counted.
        Assert.Equal(1, Value(Semaphores.X));
        Assert.Equal(0, Value(Semaphores.N));
        Assert.Equal(2, Value(Semaphores.S));

        a.Kill();
        b.Kill();
        Eventually.True(() => Value(Semaphores.S) == 0, "killed listeners' undo");
        _bus.Broadcast("0 flows again", TimeSpan.FromSeconds(10));
        BusAssert.Idle(_bus);
    }

    [Fact]
    public void Timeout_waiting_for_the_bus_sends_nothing()
    {
        Peer silent = _sandbox.Dotnet("poll", _path, "1", "600000");
        silent.WaitReady();
        Peer holder = _sandbox.Dotnet("broadcast", _path, "0 held", "1");
        Eventually.True(() => Value(Semaphores.X) == 0, "the other broadcaster to take the bus");

        var e = Assert.Throws<BusTimeoutException>(() => _bus.Broadcast("0 late", TimeSpan.FromMilliseconds(200)));
        Assert.Equal(0, e.UnacknowledgedListeners);
        silent.Kill();
        Assert.Equal(0, holder.WaitForExit(Wait));
        BusAssert.Idle(_bus);
    }

    [Fact]
    public void Cancelling_a_broadcast_leaves_the_bus_usable()
    {
        Peer silent = _sandbox.Dotnet("poll", _path, "1", "600000");
        silent.WaitReady();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        Assert.ThrowsAny<OperationCanceledException>(() => _bus.Broadcast("0 cancelled", cancellationToken: cts.Token));
        Assert.Equal(1, Value(Semaphores.X));
        Assert.Equal(0, Value(Semaphores.N));

        silent.Kill();
        Peer listener = _sandbox.Dotnet("listen", _path, "1");
        listener.WaitReady();
        _bus.Broadcast("0 after the cancel", TimeSpan.FromSeconds(10));
        Assert.Equal(0, listener.WaitForExit(Wait));
        Assert.Equal(["0 after the cancel"], listener.StdoutLines);
    }

    [Fact]
    public void Cancelling_a_listener_leaves_the_bus_with_nothing_counted()
    {
        using var cts = new CancellationTokenSource();
        using var joined = new ManualResetEventSlim();
        Task listening = Task.Factory.StartNew(
            () => _bus.Listen(_ => true, joined.Set, cts.Token), TaskCreationOptions.LongRunning);
        Assert.True(joined.Wait(Wait));
        Assert.Equal(1, Value(Semaphores.S));

        cts.Cancel();
        var e = Assert.ThrowsAny<OperationCanceledException>(() => Eventually.Done(listening, what: "listener"));
        BusAssert.Idle(_bus);
    }

    [Fact]
    public void Listen_acknowledges_before_the_callback_runs_and_stops_when_it_returns_false()
    {
        var received = new List<string>();
        using var joined = new ManualResetEventSlim();
        Task listening = Task.Factory.StartNew(() => _bus.Listen(m =>
        {
            received.Add(m.Text);
            return received.Count < 3;
        }, joined.Set), TaskCreationOptions.LongRunning);
        Assert.True(joined.Wait(Wait));

        using Bus broadcaster = Bus.Open(_path, BusAccess.Broadcast);
        for (int i = 0; i < 3; i++) broadcaster.Broadcast($"0 m{i}", TimeSpan.FromSeconds(10));

        Eventually.Done(listening, what: "listener");
        Assert.Equal(["0 m0", "0 m1", "0 m2"], received);
        BusAssert.Idle(_bus);
    }

    [Fact]
    public void ListenBytes_gets_each_message_byte_for_byte_in_order_and_stops_when_told()
    {
        byte[] longest = Enumerable.Repeat((byte)'x', BusMessage.MaxLength).ToArray();
        byte[] notUtf8 = [(byte)'0', (byte)' ', 0xff, 0xfe, 0xc3];
        var received = new List<byte[]>();
        using var joined = new ManualResetEventSlim();
        Task listening = Task.Factory.StartNew(() => _bus.ListenBytes(m =>
        {
            received.Add(m.ToArray());
            return received.Count < 4;
        }, joined.Set), TaskCreationOptions.LongRunning);
        Assert.True(joined.Wait(Wait));

        using Bus broadcaster = Bus.Open(_path, BusAccess.Broadcast);
        broadcaster.Broadcast("0 first", TimeSpan.FromSeconds(10));
        broadcaster.Broadcast(longest, TimeSpan.FromSeconds(10));
        broadcaster.Broadcast(notUtf8, TimeSpan.FromSeconds(10));
        broadcaster.Broadcast("0 short", TimeSpan.FromSeconds(10)); // shorter than the one before: no stale tail

        Eventually.Done(listening, what: "listener");
        Assert.Equal(["0 first"u8.ToArray(), longest, notUtf8, "0 short"u8.ToArray()], received);
        BusAssert.Idle(_bus);
    }

    [Fact]
    public void ListenBytes_allocates_nothing_per_message()
    {
        const int count = 200;
        long first = 0, last = 0;
        int received = 0;
        using var joined = new ManualResetEventSlim();
        Task listening = Task.Factory.StartNew(() => _bus.ListenBytes(_ =>
        {
            if (++received == 1) first = GC.GetAllocatedBytesForCurrentThread();
            else if (received == count) last = GC.GetAllocatedBytesForCurrentThread();
            return received < count;
        }, joined.Set), TaskCreationOptions.LongRunning);
        Assert.True(joined.Wait(Wait));

        // From another process, so that nothing on the listener's thread but listening allocates.
        Peer broadcaster = _sandbox.Dotnet("broadcast", _path, "0 n", $"{count}");
        Eventually.Done(listening, what: "listener");
        Assert.Equal(0, broadcaster.WaitForExit(Wait));
        Assert.Equal(0, last - first);
        BusAssert.Idle(_bus);
    }

    [Fact]
    public void Cancelling_a_byte_listener_leaves_the_bus_with_nothing_counted()
    {
        using var cts = new CancellationTokenSource();
        using var joined = new ManualResetEventSlim();
        Task listening = Task.Factory.StartNew(
            () => _bus.ListenBytes(_ => true, joined.Set, cts.Token), TaskCreationOptions.LongRunning);
        Assert.True(joined.Wait(Wait));
        Assert.Equal(1, Value(Semaphores.S));

        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => Eventually.Done(listening, what: "listener"));
        BusAssert.Idle(_bus);
    }

    [Fact]
    public async Task A_subscription_joins_then_streams_messages_in_order()
    {
        await using (BusSubscription subscription = _bus.Subscribe())
        {
            await subscription.Joined.WaitAsync(Wait);
            Assert.Equal(1, Value(Semaphores.S));
            Peer broadcaster = _sandbox.Dotnet("broadcast", _path, "0 s", "20");

            var got = new List<string>();
            await foreach (BusMessage m in subscription.WithCancellation(new CancellationTokenSource(Wait).Token))
            {
                got.Add(m.Text);
                if (got.Count == 20) break;
            }
            Assert.Equal(Enumerable.Range(0, 20).Select(i => $"0 s {i}"), got);
            Assert.Equal(0, broadcaster.WaitForExit(Wait));
        }
        BusAssert.Idle(_bus);
    }

    [Fact]
    public async Task A_full_subscription_buffer_holds_broadcasters_back_instead_of_growing()
    {
        await using BusSubscription subscription = _bus.Subscribe(capacity: 1);
        await subscription.Joined.WaitAsync(Wait);
        using Bus broadcaster = Bus.Open(_path, BusAccess.Broadcast);

        broadcaster.Broadcast("0 one", TimeSpan.FromSeconds(10));   // buffered
        broadcaster.Broadcast("0 two", TimeSpan.FromSeconds(10));   // copied; the reader waits for room holding W
        var e = Assert.Throws<BusTimeoutException>(() => broadcaster.Broadcast("0 three", TimeSpan.FromMilliseconds(300)));
        Assert.Equal(1, e.UnacknowledgedListeners); // one listener still busy with "two"

        await using IAsyncEnumerator<BusMessage> reader = subscription.GetAsyncEnumerator();
        Assert.True(await reader.MoveNextAsync().AsTask().WaitAsync(Wait));
        Assert.Equal("0 one", reader.Current.Text);
        broadcaster.Broadcast("0 three", TimeSpan.FromSeconds(10));
        Assert.True(await reader.MoveNextAsync().AsTask().WaitAsync(Wait));
        Assert.Equal("0 two", reader.Current.Text);
        Assert.True(await reader.MoveNextAsync().AsTask().WaitAsync(Wait));
        Assert.Equal("0 three", reader.Current.Text);
    }

    [Fact]
    public void A_poller_gets_nothing_without_waiting_and_times_out_cleanly()
    {
        using (BusPoller poller = _bus.StartPolling(Wait))
        {
            Assert.False(poller.TryPoll(out _));
            Assert.Null(poller.Poll(TimeSpan.FromMilliseconds(100)));
            Assert.Equal(1, Value(Semaphores.S));

            Peer broadcaster = _sandbox.Dotnet("broadcast", _path, "0 p", "3");
            for (int i = 0; i < 3; i++)
                Assert.Equal($"0 p {i}", poller.Poll(Wait)?.Text);
            Assert.Equal(0, broadcaster.WaitForExit(Wait));
        }
        BusAssert.Idle(_bus);
    }

    [Fact]
    public void Invalid_messages_are_refused_before_the_bus_is_touched()
    {
        Peer listener = _sandbox.Dotnet("listen", _path, "1");
        listener.WaitReady();
        BusSemaphoreValues before = _bus.GetSemaphoreValues();

        Assert.Throws<BusMessageInvalidException>(() => _bus.Broadcast(new string('x', 2048)));
        Assert.Throws<BusMessageInvalidException>(() => _bus.Broadcast(new string('é', 1024))); // 2048 bytes
        Assert.Throws<BusMessageInvalidException>(() => _bus.Broadcast("0 a\0b"));
        Assert.Throws<BusMessageInvalidException>(() => _bus.Broadcast("0 \ud800"));
        Assert.Throws<BusMessageInvalidException>(() => _bus.Broadcast(new byte[] { 0x30, 0, 0x31 }));
        Assert.Throws<BusMessageInvalidException>(() => _bus.TryBroadcast(new string('x', 100_000)));
        Assert.Equal(before, _bus.GetSemaphoreValues());

        string longest = "0 " + new string('y', 2045);
        _bus.Broadcast(longest, TimeSpan.FromSeconds(10));
        Assert.Equal(0, listener.WaitForExit(Wait));
        Assert.Equal([longest], listener.StdoutLines);
    }

    [Fact]
    public void A_listen_only_handle_cannot_broadcast()
    {
        Bus listenOnly = _sandbox.Open(_path, BusAccess.Listen);
        Assert.Throws<InvalidOperationException>(() => listenOnly.Broadcast("0 x"));
    }

    [Fact]
    public async Task BroadcastAsync_completes_once_delivered()
    {
        Peer listener = _sandbox.Dotnet("subscribe", _path, "1");
        listener.WaitReady();
        await _bus.BroadcastAsync("0 async", TimeSpan.FromSeconds(10)).WaitAsync(Wait);
        Assert.Equal(0, listener.WaitForExit(Wait));
        Assert.Equal(["0 async"], listener.StdoutLines);
    }
}
