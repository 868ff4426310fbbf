using LibBus.Tests.Infrastructure;

namespace LibBus.Tests;

/// <summary>
/// PROTOCOL.md's budget: four semaphore system calls per message for the
/// broadcaster and three per listener (the C library makes 7 and 8), plus the
/// non-blocking reads that look for C listeners to shield (at most one look per
/// message, spaced out on a bus of LibBus listeners), two calls per join
/// (the join and the no-wait call that keeps Q bounded), and no
/// allocation per message on the broadcast path.
/// </summary>
public sealed class BudgetTests : IDisposable
{
    private const int Messages = 100;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private readonly BusSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    private static Peer Traced(string trace, params string[] arguments) => new("strace",
        ["-f", "-qq", "-e", "trace=semop,semtimedop,semctl", "-o", trace,
         "dotnet", Path.Combine(AppContext.BaseDirectory, "LibBus.TestPeer.dll"), .. arguments]);

    [Fact]
    public void A_broadcast_makes_four_semaphore_calls_and_a_listener_three_per_message_plus_spaced_looks_for_C_listeners()
    {
        string path = _sandbox.CreateBus();
        string listenerTrace = _sandbox.PathFor("listener.trace.txt");
        string broadcasterTrace = _sandbox.PathFor("broadcaster.trace.txt");

        Peer listener = _sandbox.Track(Traced(listenerTrace, "listen", path, $"{Messages}"));
        listener.WaitReady(Wait);
        Peer broadcaster = _sandbox.Track(Traced(broadcasterTrace, "broadcast", path, "0 m", $"{Messages}"));
        Assert.Equal(0, broadcaster.WaitForExit(Wait));
        Assert.Equal(0, listener.WaitForExit(Wait));
        Assert.Equal(Messages, listener.StdoutCount);

        // Opening a bus reads both objects' status once (IPC_STAT: exactly a bus's shape); not per message.
        string[] broadcasterCalls = File.ReadAllLines(broadcasterTrace).Where(c => !c.Contains("IPC_STAT")).ToArray();
        string[] listenerCalls = File.ReadAllLines(listenerTrace).Where(c => !c.Contains("IPC_STAT")).ToArray();
        string Show(string[] calls) => $"{calls.Length} calls:\n{string.Join('\n', calls.Take(16))}";
        static bool IsRead(string call) => call.Contains("GETVAL") || call.Contains("GETZCNT") || call.Contains("GETALL");

        // Broadcaster: take, publish, Z(S), end, per message. On the first message, and then at most once per
        // MixedBusWatch.LookInterval, it looks whether a C listener shares the bus: the sleepers on Q before the
        // publish and W after it. This bus has none, so the bounded wait between Z(S) and the end never runs.
        string[] steps = broadcasterCalls.Where(c => !IsRead(c)).ToArray();
        Assert.True(steps.Length == 4 * Messages, Show(steps));
        Assert.Equal(3 * Messages, steps.Count(c => c.Contains("semop(") || c.Contains("semtimedop(")));
        Assert.Equal(Messages, steps.Count(c => c.Contains("SETVAL")));
        string[] reads = broadcasterCalls.Where(IsRead).ToArray();
        int looks = reads.Count(c => c.Contains("GETZCNT"));
        Assert.InRange(looks, 1, Messages);
        Assert.True(reads.All(c => c.Contains(", 3, GETZCNT") || c.Contains(", 1, GETVAL")), Show(reads));
        Assert.True(reads.Length - looks <= looks, Show(reads)); // W only if someone slept on Q

        // Listener: join and the no-wait call that keeps Q bounded, then wait, acknowledge, re-queue per message,
        // the last re-queue replaced by the leave. On the first message, and then at most once per interval, it
        // looks whether the publish released every listener asleep in its wait at once: the sleepers on Q before
        // its wait, S and W after it. The only listener sees nobody else: it never holds W for another.
        string[] listenerReads = listenerCalls.Where(IsRead).ToArray();
        int listenerLooks = listenerReads.Count(c => c.Contains(", 3, GETZCNT"));
        Assert.InRange(listenerLooks, 1, Messages);
        Assert.Equal(listenerLooks, listenerReads.Count(c => c.Contains("GETALL")));
        Assert.Equal(2 * listenerLooks, listenerReads.Length);
        Assert.True(listenerCalls.Length == 3 * Messages + 2 + listenerReads.Length, Show(listenerCalls));
    }

    [Fact]
    public void Broadcasting_allocates_nothing_per_message()
    {
        using Bus bus = Bus.Open(_sandbox.CreateBus(), BusAccess.Broadcast);
        const string text = "0 no garbage";
        byte[] bytes = "0 raw bytes"u8.ToArray();
        TimeSpan timeout = TimeSpan.FromSeconds(5);
        using var cts = new CancellationTokenSource();
        for (int i = 0; i < 10; i++)
        {
            bus.Broadcast(text);
            bus.Broadcast(bytes, timeout, cts.Token);
            bus.TryBroadcast(text);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            bus.Broadcast(text);
            bus.Broadcast(bytes, timeout, cts.Token);
            bus.TryBroadcast(text, timeout);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }

    [Fact]
    public async Task BroadcastAsync_that_completes_on_the_calling_thread_allocates_nothing()
    {
        // No listener: taking the bus and the acknowledgements never wait, so every call is
        // delivered on the calling thread and returns a completed task.
        using Bus bus = Bus.Open(_sandbox.CreateBus(), BusAccess.Broadcast);
        const string text = "0 no garbage";
        ReadOnlyMemory<byte> bytes = "0 raw bytes"u8.ToArray();
        var message = new BusMessage("0 a message");
        TimeSpan timeout = TimeSpan.FromSeconds(5);
        using var cts = new CancellationTokenSource();
        for (int i = 0; i < 10; i++)
        {
            await bus.BroadcastAsync(text);
            await bus.BroadcastAsync(bytes, timeout, cts.Token);
            await bus.BroadcastAsync(message, timeout);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        bool allCompleted = true;
        for (int i = 0; i < 1000; i++)
        {
            Task a = bus.BroadcastAsync(text), b = bus.BroadcastAsync(bytes, timeout, cts.Token), c = bus.BroadcastAsync(message, timeout);
            allCompleted &= a.IsCompletedSuccessfully && b.IsCompletedSuccessfully && c.IsCompletedSuccessfully;
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(allCompleted, "a call without listeners was not delivered on the calling thread");
        Assert.Equal(0, allocated);
    }
}
