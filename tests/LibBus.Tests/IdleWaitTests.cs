using System.Diagnostics;
using LibBus.Tests.Infrastructure;

namespace LibBus.Tests;

/// <summary>
/// No idle wake-ups (issue 11, item 6): a waiting listener makes no system call until a
/// message or a signal arrives; cancellation interrupts the blocked call instead of polling,
/// and is never lost, whenever it comes.
/// </summary>
public sealed class IdleWaitTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private readonly BusSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    [Theory]
    [InlineData("subscribe")]
    [InlineData("listen")]
    public void An_idle_listener_makes_no_semaphore_call(string api)
    {
        string path = _sandbox.CreateBus();
        Peer listener = _sandbox.Dotnet(api, path, "1");
        listener.WaitReady(Wait);
        string trace = _sandbox.PathFor("idle.trace.txt");

        // Three idle seconds, traced: the 50 ms slices of old made about 60 calls here.
        Peer strace = _sandbox.Track(new Peer("strace", ["-f", "-qq", "-e", "trace=semop,semtimedop", "-o", trace, "-p", $"{listener.Pid}"]));
        Thread.Sleep(TimeSpan.FromSeconds(3));
        strace.Signal(2); // SIGINT: strace detaches
        strace.WaitForExit(Wait);

        string[] calls = File.ReadAllLines(trace);
        Assert.True(calls.Length <= 1, $"{calls.Length} semaphore calls while idle:\n{string.Join('\n', calls.Take(5))}");
        // And it still works.
        _sandbox.Open(path).Broadcast("0 wake up", Wait);
        Assert.Equal(0, listener.WaitForExit(Wait));
        Assert.Equal(["0 wake up"], listener.StdoutLines);
    }

    [Fact]
    public async Task A_cancellation_at_any_moment_of_a_wait_is_never_lost()
    {
        Bus bus = _sandbox.Open(_sandbox.CreateBus());
        using BusPoller poller = bus.StartPolling(Wait);
        var random = new Random(20261201);
        for (int i = 0; i < 2000; i++)
        {
            using var cts = new CancellationTokenSource();
            using var started = new ManualResetEventSlim();
            Task<Exception?> poll = Task.Factory.StartNew(() =>
            {
                started.Set();
                try
                {
                    poller.Poll(null, cts.Token);
                    return null;
                }
                catch (Exception e)
                {
                    return e;
                }
            }, TaskCreationOptions.LongRunning);
            started.Wait();
            // Cancel somewhere between before the wait is entered and well inside it.
            long spin = Stopwatch.GetTimestamp() + random.Next(0, 200) * Stopwatch.Frequency / 1_000_000;
            while (Stopwatch.GetTimestamp() < spin) { }
            cts.Cancel();
            Exception? error = await poll.WaitAsync(Wait); // a lost cancellation: TimeoutException
            Assert.IsType<OperationCanceledException>(error);
        }
        Assert.Equal(1, bus.GetSemaphoreValues().S); // still listening, nothing lost
    }

    [Fact]
    public async Task Subscriptions_disposed_at_any_moment_leave_the_bus()
    {
        Bus bus = _sandbox.Open(_sandbox.CreateBus());
        var random = new Random(20261202);
        for (int i = 0; i < 200; i++)
        {
            BusSubscription subscription = bus.Subscribe();
            if (random.Next(2) == 0) await subscription.Joined.WaitAsync(Wait);
            await subscription.DisposeAsync().AsTask().WaitAsync(Wait);
        }
        Assert.Equal(0, bus.GetSemaphoreValues().S);
    }
}
