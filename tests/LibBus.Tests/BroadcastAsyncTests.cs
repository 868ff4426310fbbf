using System.Diagnostics;
using System.Text;
using LibBus.Tests.Infrastructure;

namespace LibBus.Tests;

/// <summary>
/// BroadcastAsync: started on the calling thread, never waiting there for a listener; one
/// broadcasting thread per bus handle for the rest, fed in call order; cancellation of a
/// queued call; disposal; and the self-deadlock a full subscription can cause.
/// </summary>
public sealed class BroadcastAsyncTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private readonly BusSandbox _sandbox = new();
    private readonly string _path;
    private readonly Bus _bus;

    public BroadcastAsyncTests()
    {
        _path = _sandbox.CreateBus();
        _bus = _sandbox.Open(_path);
    }

    public void Dispose() => _sandbox.Dispose();

    [Fact]
    public async Task Many_pending_calls_queue_on_one_thread_and_arrive_in_call_order()
    {
        const int count = 200;
        // Polls the first message only after 2 s, so every call is pending at once meanwhile.
        Peer listener = _sandbox.Dotnet("poll", _path, $"{count}", "0");
        listener.WaitReady();
        Peer holder = _sandbox.Dotnet("poll", _path, "1", "2000");
        holder.WaitReady();
        int threadsBefore = Process.GetCurrentProcess().Threads.Count;

        var tasks = new List<Task>();
        for (int i = 0; i < count; i++)
        {
            tasks.Add((i % 3) switch
            {
                0 => _bus.BroadcastAsync($"0 m{i}", Wait),
                1 => _bus.BroadcastAsync(Encoding.UTF8.GetBytes($"0 m{i}"), Wait),
                _ => _bus.BroadcastAsync(new BusMessage($"0 m{i}"), Wait),
            });
        }
        Assert.True(_bus.PendingBroadcasts >= count - 2, $"{_bus.PendingBroadcasts} of {count} calls queued");
        int threadsDuring = Process.GetCurrentProcess().Threads.Count;
        Assert.True(threadsDuring - threadsBefore < 10, $"{threadsDuring - threadsBefore} more threads for {count} pending calls");

        await Task.WhenAll(tasks).WaitAsync(Wait);
        Assert.Equal(0, listener.WaitForExit(Wait));
        Assert.Equal(Enumerable.Range(0, count).Select(i => $"0 m{i}"), listener.StdoutLines);
        Assert.Equal(0, _bus.PendingBroadcasts);
    }

    [Fact]
    public async Task A_call_returns_at_once_while_a_stopped_listener_holds_its_delivery_and_later_calls_keep_their_order()
    {
        Peer listener = StoppedListener(count: 3);

        // Published on the calling thread, then handed over: the call does not wait for the listener.
        Task<Task> call = Task.Factory.StartNew(() => _bus.BroadcastAsync("0 first", Wait), TaskCreationOptions.LongRunning);
        Task first = await call.WaitAsync(Wait); // a TimeoutException if the call blocked its caller
        Task second = _bus.BroadcastAsync("0 second", Wait);
        Task third = _bus.BroadcastAsync(new BusMessage("0 third"), Wait);
        Assert.False(first.IsCompleted, "a broadcast completed before a stopped listener copied it");
        Assert.Equal(2, _bus.PendingBroadcasts);

        listener.Signal(Interop.Libc.SIGCONT);
        await Task.WhenAll(first, second, third).WaitAsync(Wait);
        Assert.Equal(0, listener.WaitForExit(Wait));
        Assert.Equal(["0 first", "0 second", "0 third"], listener.StdoutLines);
        BusAssert.Idle(_bus);
    }

    [Fact]
    public async Task A_call_that_cannot_take_the_bus_on_its_thread_queues_first_in_line()
    {
        Peer listener = StoppedListener(count: 3);

        // Another handle holds the bus, in a delivery the stopped listener cannot end.
        using Bus other = _sandbox.Open(_path);
        Task holder = Task.Factory.StartNew(() => other.Broadcast("0 held", Wait), TaskCreationOptions.LongRunning);
        Eventually.True(() => _bus.GetSemaphoreValues().X == 0, "the other handle to take the bus");

        Task<Task> call = Task.Factory.StartNew(() => _bus.BroadcastAsync("0 first", Wait), TaskCreationOptions.LongRunning);
        Task first = await call.WaitAsync(Wait); // a TimeoutException if the call blocked its caller
        Task second = _bus.BroadcastAsync("0 second", Wait);
        Assert.False(first.IsCompleted || second.IsCompleted, "a broadcast completed while the bus was held");

        listener.Signal(Interop.Libc.SIGCONT);
        await Task.WhenAll(holder, first, second).WaitAsync(Wait);
        Assert.Equal(0, listener.WaitForExit(Wait));
        Assert.Equal(["0 held", "0 first", "0 second"], listener.StdoutLines);
        BusAssert.Idle(_bus);
    }

    [Fact]
    public async Task A_call_cancelled_while_queued_is_never_sent()
    {
        Peer listener = _sandbox.Dotnet("poll", _path, "2", "1000");
        listener.WaitReady();

        Task first = _bus.BroadcastAsync("0 first", Wait);
        using var cancel = new CancellationTokenSource();
        Task second = _bus.BroadcastAsync("0 second", Wait, cancel.Token);
        Task third = _bus.BroadcastAsync("0 third", Wait);
        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second.WaitAsync(Wait));
        Assert.True(second.IsCanceled);
        await Task.WhenAll(first, third).WaitAsync(Wait);
        Assert.Equal(0, listener.WaitForExit(Wait));
        Assert.Equal(["0 first", "0 third"], listener.StdoutLines);
        BusAssert.Idle(_bus);
    }

    [Fact]
    public async Task An_already_cancelled_token_queues_nothing()
    {
        Task task = _bus.BroadcastAsync("0 never", cancellationToken: new CancellationToken(canceled: true));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task);
        Assert.Equal(0, _bus.PendingBroadcasts);
    }

    [Fact]
    public async Task Disposing_the_handle_fails_the_calls_not_yet_sent()
    {
        Peer listener = _sandbox.Dotnet("poll", _path, "1", "1500");
        listener.WaitReady();
        Bus bus = Bus.Open(_path);
        Task sent = bus.BroadcastAsync("0 sent", Wait);
        Eventually.True(() => bus.PendingBroadcasts == 0 && _bus.GetSemaphoreValues().X == 0, "the first call to take the bus");
        Task queued = bus.BroadcastAsync("0 queued", Wait);
        bus.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => queued.WaitAsync(Wait));
        await sent.WaitAsync(Wait);
        Assert.Equal(0, listener.WaitForExit(Wait));
        Assert.Equal(["0 sent"], listener.StdoutLines);
        Assert.Throws<ObjectDisposedException>(() => { _ = bus.BroadcastAsync("0 after"); });
    }

    [Fact]
    public void Invalid_messages_throw_at_the_call()
    {
        Assert.Throws<BusMessageInvalidException>(() => { _ = _bus.BroadcastAsync("0 nul\0"); });
        Assert.Throws<BusMessageInvalidException>(() => { _ = _bus.BroadcastAsync(new byte[BusMessage.MaxLength + 1]); });
        Assert.Equal(0, _bus.PendingBroadcasts);
    }

    [Fact]
    public async Task A_broadcast_behind_its_own_full_unread_subscription_fails_with_BusDeadlockException()
    {
        using (Bus bus = OpenWithShortStallLimit())
        {
            await using BusSubscription subscription = await JoinedSubscription(bus, capacity: 1);
            bus.Broadcast("0 fills the buffer", Wait);
            bus.Broadcast("0 held by the listener, which waits for room", Wait);

            // Nobody reads: the next broadcast of this process can never start.
            var e = await Assert.ThrowsAsync<BusDeadlockException>(() => bus.BroadcastAsync("0 stuck").WaitAsync(Wait));
            Assert.Contains("own subscription (capacity 1)", e.Message);
            Assert.Equal(_path, e.Path);
            Assert.Throws<BusDeadlockException>(() => bus.Broadcast("0 stuck too"));
        }
        BusAssert.Idle(_bus);
    }

    [Fact]
    public async Task A_subscription_read_on_another_task_never_counts_as_a_deadlock()
    {
        using (Bus bus = OpenWithShortStallLimit())
        {
            await using BusSubscription subscription = await JoinedSubscription(bus, capacity: 1);
            Task<int> reader = Task.Run(async () =>
            {
                int n = 0;
                await foreach (BusMessage _ in subscription)
                {
                    if (++n == 50) break;
                    if (n % 10 == 0) await Task.Delay(100);
                }
                return n;
            });
            for (int i = 0; i < 50; i++)
                await bus.BroadcastAsync($"0 m{i}", Wait);
            Assert.Equal(50, await reader.WaitAsync(Wait));
        }
    }

    /// <summary>A listener for <paramref name="count"/> messages, joined, then stopped (SIGSTOP) in every thread.</summary>
    private Peer StoppedListener(int count)
    {
        Peer listener = _sandbox.Dotnet("listen", _path, $"{count}");
        listener.WaitReady();
        listener.Signal(Interop.Libc.SIGSTOP);
        Eventually.True(() => FaultTests.AllThreadsStopped(listener.Pid), "every thread of the listener to stop");
        return listener;
    }

    private static async Task<BusSubscription> JoinedSubscription(Bus bus, int capacity)
    {
        BusSubscription subscription = bus.Subscribe(capacity);
        await subscription.Joined.WaitAsync(Wait);
        return subscription;
    }

    /// <summary>
    /// A handle of the bus with a 4 s self-deadlock limit instead of 10 s: short enough for the
    /// deadlock test, and 40 times the reader's 100 ms pauses, which a loaded machine stretches (at
    /// 1 s, the reader test failed once beside a build and another test run on 2 cores). Only this
    /// handle's broadcasts have it; every other bus of the test process keeps the 10 s.
    /// </summary>
    private Bus OpenWithShortStallLimit() => Bus.Open(_path, BusAccess.ListenAndBroadcast, stallLimit: TimeSpan.FromSeconds(4));
}
