using BusCli.Tests.Infrastructure;

namespace BusCli.Tests;

public sealed class SignalAndTimingTests : IDisposable
{
    private readonly CliSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    private CliProcess Listen(string verb, string bus)
    {
        CliProcess listener = _sandbox.Start(verb, "--ready", bus);
        listener.WaitUntilListening();
        return listener;
    }

    [Theory]
    [InlineData("listen", Proc.SIGINT, 130)]
    [InlineData("listen", Proc.SIGTERM, 143)]
    [InlineData("listen", Proc.SIGHUP, 129)]
    [InlineData("wait", Proc.SIGINT, 130)]
    [InlineData("wait", Proc.SIGTERM, 143)]
    [InlineData("wait", Proc.SIGHUP, 129)]
    public void A_signal_makes_the_listener_leave_the_bus_cleanly(string verb, int signal, int status)
    {
        string bus = _sandbox.CreateBus();
        using CliProcess listener = Listen(verb, bus);
        Assert.Equal(1, CliSandbox.SemaphoreValues(bus).S); // counted in S
        listener.Signal(signal);
        RunResult result = listener.WaitForExit();
        Assert.Equal(status, result.ExitCode);
        Assert.Equal($"bus: {bus}: listening\n", result.Stderr);
        AssertIdle(bus);
        Assert.Equal(0, _sandbox.Run("broadcast", "--timeout", "2s", bus, "nobody left").ExitCode);
    }

    [Fact]
    public void A_stopped_and_continued_listener_keeps_listening()
    {
        string bus = _sandbox.CreateBus();
        using CliProcess listener = _sandbox.StartAsJob("listen", "--ready", bus);
        listener.WaitUntilListening();
        listener.Signal(Proc.SIGTSTP);
        WaitForState(listener, 'T');
        listener.Signal(Proc.SIGCONT);
        Assert.Equal(0, _sandbox.Run("broadcast", "--timeout", "10s", bus, "still here").ExitCode);
        listener.WaitForLines(1);
        Assert.Equal("still here\n", listener.Stdout);
        Assert.False(listener.HasExited);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_removed_bus_ends_listen_with_a_clear_message(bool withIpcrm)
    {
        string bus = _sandbox.CreateBus();
        using CliProcess listener = Listen("listen", bus);
        if (withIpcrm)
        {
            int semaphoreKey = int.Parse(File.ReadAllLines(bus)[0]);
            using CliProcess ipcrm = _sandbox.Shell($"ipcrm -S {semaphoreKey}");
            Assert.Equal(0, ipcrm.WaitForExit().ExitCode);
        }
        else
        {
            Assert.Equal(0, _sandbox.Run("remove", bus).ExitCode);
        }
        RunResult result = listener.WaitForExit();
        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"bus: {bus}: listening\nbus: {bus}: the bus was removed\n", result.Stderr);
    }

    [Fact]
    public void Timeout_against_a_stopped_listener_exits_4_twice_and_the_bus_recovers()
    {
        string bus = _sandbox.CreateBus();
        using CliProcess listener = StoppedListener(bus);

        // The stopped listener is queued and counted in S: the publish releases it (the kernel
        // completes its wait even while it is stopped) but it never acknowledges.
        RunResult first = _sandbox.Run("broadcast", "--timeout", "500ms", bus, "first");
        Assert.Equal(4, first.ExitCode);
        Assert.Equal($"bus: {bus}: timed out: 1 listener(s) had not received the message\n", first.Stderr);

        // Either the kernel completed its release while it was stopped (then it holds W and the
        // next broadcaster cannot take the bus), or it was between two timed waits (then the
        // next broadcaster publishes and again waits for it in vain). Both time out.
        RunResult second = _sandbox.Run("broadcast", "--timeout", "500ms", bus, "second");
        Assert.Equal(4, second.ExitCode);
        Assert.True(second.Stderr.StartsWith($"bus: {bus}: timed out", StringComparison.Ordinal), second.Stderr);
        Assert.Single(second.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        listener.Signal(Proc.SIGCONT);
        Assert.Equal(0, _sandbox.Run("broadcast", "--timeout", "10s", bus, "third").ExitCode);
        listener.WaitFor((output, _) => output.Split('\n').Contains("third"), "the third message");
        // Never wedged or torn. If the kernel released it while it was stopped, it copies the
        // message left in the segment, then the next; if not, a give-up raised Q again (PROTOCOL.md,
        // step 5), so it waited for the next publish and missed the given-up messages.
        string[] received = listener.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("third", received[^1]);
        Assert.InRange(received.Length, 1, 2);
        if (received.Length == 2) Assert.Contains(received[0], new[] { "first", "second" });
        listener.Signal(Proc.SIGTERM);
        Assert.Equal(143, listener.WaitForExit().ExitCode);
        AssertIdle(bus);
    }

    [Fact]
    public void Nowait_against_a_busy_bus_exits_3_at_once_sending_nothing()
    {
        string bus = _sandbox.CreateBus();
        using CliProcess listener = StoppedListener(bus);
        using CliProcess holder = _sandbox.Start("broadcast", "--timeout", "20s", bus, "held");
        // Wait until the holder has published (N = 1: a delivery is in progress).
        Eventually.True(() => CliSandbox.SemaphoreValues(bus).N == 1, "the broadcaster to publish");
        var started = DateTime.UtcNow;
        RunResult busy = _sandbox.Run("broadcast", "-n", bus, "not sent");
        Assert.Equal(3, busy.ExitCode);
        Assert.StartsWith($"bus: {bus}: busy:", busy.Stderr);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5));

        listener.Signal(Proc.SIGCONT);
        Assert.Equal(0, holder.WaitForExit().ExitCode);
        Assert.Equal(0, _sandbox.Run("broadcast", "-n", bus, "sent").ExitCode);
        listener.WaitForLines(2);
        Assert.Equal("held\nsent\n", listener.Stdout);
    }

    [Fact]
    public void Nowait_on_a_free_bus_broadcasts()
    {
        string bus = _sandbox.CreateBus();
        using CliProcess listener = Listen("wait", bus);
        Assert.Equal(0, _sandbox.Run("broadcast", "-n", bus, "free").ExitCode);
        Assert.Equal("free\n", listener.WaitForExit().Stdout);
    }

    /// <summary>No listener counted (S, W), the lock free (X), no delivery (N); Q may be left raised by a join.</summary>
    private static void AssertIdle(string bus)
    {
        var values = CliSandbox.SemaphoreValues(bus);
        Assert.Equal((0, 0, 1, 0), (values.S, values.W, values.X, values.N));
    }

    /// <summary>A joined <c>bus listen</c>, then stopped with SIGSTOP (state T).</summary>
    private CliProcess StoppedListener(string bus)
    {
        CliProcess listener = Listen("listen", bus);
        listener.Signal(Proc.SIGSTOP);
        WaitForState(listener, 'T');
        return listener;
    }

    private static void WaitForState(CliProcess process, char state)
        => Eventually.True(() => Proc.State(process.Id) == state, $"process {process.Id} to reach state {state}");
}
