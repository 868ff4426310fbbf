
namespace LibBus.Hosting.Tests;

/// <summary>The sample worker (samples/LibBus.Samples.Worker) as a real process on a real bus.</summary>
public sealed class WorkerProcessTests : IDisposable
{
    private const int SIGTERM = 15;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private readonly HostFixture _fixture = new();
    private readonly string _path;

    public WorkerProcessTests() => _path = _fixture.PathFor("bus");

    public void Dispose() => _fixture.Dispose();

    private ChildProcess StartWorker()
    {
        var worker = new ChildProcess("dotnet", [Path.Combine(AppContext.BaseDirectory, "LibBus.Samples.Worker.dll"), $"--Bus:Path={_path}"]);
        WaitForLog(worker, $"Joined the bus {_path}: listening");
        return worker;
    }

    private static void WaitForLog(ChildProcess worker, string text)
        => Eventually.True(() => worker.StdoutLines.Any(l => l.Contains(text, StringComparison.Ordinal)),
            $"the worker to log '{text}'; it wrote:\n{string.Join('\n', worker.StdoutLines)}\n{worker.StderrText}", Wait);

    private static async Task<BusMessage> NextAsync(IAsyncEnumerator<BusMessage> messages)
    {
        Assert.True(await messages.MoveNextAsync().AsTask().WaitAsync(Wait), "the subscription ended");
        return messages.Current;
    }

    [Fact]
    public async Task The_worker_answers_survives_a_failing_handler_and_leaves_the_bus_on_SIGTERM()
    {
        using ChildProcess worker = StartWorker();
        Assert.Equal((UnixFileMode)Convert.ToInt32("660", 8), Bus.GetStatus(_path).SemaphoreArray!.Ownership.Mode); // created with the sample's mode

        using (Bus bus = Bus.Open(_path))
        {
            await using (BusSubscription subscription = bus.Subscribe())
            {
                await subscription.Joined.WaitAsync(Wait);
                await using IAsyncEnumerator<BusMessage> messages = subscription.GetAsyncEnumerator();

                bus.Broadcast("1 ping", Wait);
                Assert.Equal("1 ping", (await NextAsync(messages)).Text);
                Assert.Equal($"{worker.Pid} pong", (await NextAsync(messages)).Text);

                bus.Broadcast("1 fail", Wait);
                Assert.Equal("1 fail", (await NextAsync(messages)).Text);
                WaitForLog(worker, $"Handler PingHandler failed on a message of the bus {_path}");

                bus.Broadcast("1 ping", Wait);
                Assert.Equal("1 ping", (await NextAsync(messages)).Text);
                Assert.Equal($"{worker.Pid} pong", (await NextAsync(messages)).Text);
            }

            worker.Signal(SIGTERM);
            Assert.Equal(0, worker.WaitForExit(Wait));
            Assert.Contains(worker.StdoutLines, l => l.Contains($"Left the bus {_path}", StringComparison.Ordinal));
            BusSemaphoreValues v = bus.GetSemaphoreValues();
            Assert.True(v.S == 0 && v.W == 0 && v.X == 1 && v.N == 0, $"not idle after the worker left: S={v.S} W={v.W} X={v.X} N={v.N}");
            bus.Broadcast("1 nobody", Wait);
        }
    }

    [Fact]
    public void A_bus_removed_under_the_worker_is_logged_and_SIGTERM_still_stops_it_cleanly()
    {
        using ChildProcess worker = StartWorker();

        Bus.Remove(_path);

        WaitForLog(worker, $"The bus {_path} was removed");
        Assert.False(worker.HasExited);
        worker.Signal(SIGTERM);
        Assert.Equal(0, worker.WaitForExit(Wait));
        // The removal is the one error logged; nothing critical, no crash.
        Assert.Equal(["fail: LibBus.Hosting.BusListenerService[6]"], worker.StdoutLines.Where(l => l.StartsWith("fail:") || l.StartsWith("crit:")));
    }
}
