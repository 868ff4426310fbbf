using BusCli.Tests.Infrastructure;

namespace BusCli.Tests;

/// <summary>--match and --timeout of listen and wait (issue 16).</summary>
public sealed class MatchAndTimeoutTests : IDisposable
{
    private readonly CliSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    private CliProcess Listen(params string[] arguments)
    {
        CliProcess listener = _sandbox.Start([arguments[0], "--ready", .. arguments[1..]], null);
        listener.WaitUntilListening();
        return listener;
    }

    /// <summary>Broadcasts with a generous bound: a delivery that no listener acknowledged would time out (exit 4).</summary>
    private void Broadcast(string bus, string message)
        => Assert.Equal(new RunResult(0, "", ""), _sandbox.Run("broadcast", "--timeout", "20s", bus, message));

    [Fact]
    public void Wait_with_a_timeout_and_no_message_exits_4_and_leaves_the_bus()
    {
        string bus = _sandbox.CreateBus();
        RunResult result = _sandbox.Run("wait", "--timeout", "300ms", bus);
        Assert.Equal(new RunResult(4, "", $"bus: {bus}: timed out: no message for 0.3s\n"), result);
        CliSandbox.WaitUntilNoListeners(bus);
    }

    [Fact]
    public void Wait_with_a_timeout_returns_a_message_that_comes_in_time()
    {
        string bus = _sandbox.CreateBus();
        using CliProcess waiter = Listen("wait", "--timeout", "60s", bus);
        Broadcast(bus, "1 in time");
        Assert.Equal(new RunResult(0, "1 in time\n", $"bus: {bus}: listening\n"), waiter.WaitForExit());
    }

    [Fact]
    public void Listen_with_a_timeout_exits_4_once_idle_after_printing_what_came()
    {
        string bus = _sandbox.CreateBus();
        using CliProcess listener = Listen("listen", "--timeout", "5s", bus);
        Broadcast(bus, "1 first");
        Broadcast(bus, "1 second");
        RunResult result = listener.WaitForExit();
        Assert.Equal(4, result.ExitCode);
        Assert.Equal("1 first\n1 second\n", result.Stdout);
        Assert.EndsWith($"bus: {bus}: timed out: no message for 5s\n", result.Stderr);
        CliSandbox.WaitUntilNoListeners(bus);
    }

    [Fact]
    public void Listen_with_match_prints_only_matching_messages_and_acknowledges_the_others()
    {
        string bus = _sandbox.CreateBus();
        using CliProcess listener = Listen("listen", "--match", "^[0-9]+ ready db$", bus);
        Broadcast(bus, "7 starting db");
        Broadcast(bus, "7 ready db");
        Broadcast(bus, "7 ready dbx");
        Broadcast(bus, "8 ready db");
        listener.WaitForLines(2);
        Broadcast(bus, "done");
        listener.Signal(Proc.SIGTERM);
        RunResult result = listener.WaitForExit();
        Assert.Equal(143, result.ExitCode);
        Assert.Equal("7 ready db\n8 ready db\n", result.Stdout);
    }

    [Fact]
    public void Wait_with_match_ends_at_the_first_matching_message_and_runs_the_command_for_it()
    {
        string bus = _sandbox.CreateBus();
        using CliProcess waiter = Listen("wait", "-m", "ready", bus, "echo \"got $msg\"; exit 5");
        Broadcast(bus, "1 starting");
        Assert.False(waiter.HasExited);
        Broadcast(bus, "1 ready");
        RunResult result = waiter.WaitForExit();
        Assert.Equal(5, result.ExitCode);
        Assert.Equal("got 1 ready\n", result.Stdout);
    }

    [Fact]
    public void Match_and_timeout_together_time_out_when_only_other_messages_come()
    {
        string bus = _sandbox.CreateBus();
        using CliProcess waiter = Listen("wait", "--match", "^x", "--timeout", "1500ms", bus);
        Broadcast(bus, "1 not this");
        RunResult result = waiter.WaitForExit();
        Assert.Equal(4, result.ExitCode);
        Assert.Equal("", result.Stdout);
    }

    [Fact]
    public void A_catastrophic_pattern_decides_every_message_in_linear_time()
    {
        // Issue 22, N4: a backtracking engine takes 2^n steps for "^(a+)+$" on n a's and a '!',
        // holding the bus meanwhile, and gave up after its match timeout (a message lost to it).
        // The non-backtracking engine decides each at once: none is given up.
        string bus = _sandbox.CreateBus();
        using CliProcess listener = Listen("listen", "--match", "^(a+)+$", bus);
        string hostile = new string('a', 40) + "!";
        for (int i = 0; i < 5; i++) Broadcast(bus, hostile);
        Broadcast(bus, "aaaa");
        listener.WaitForLines(1);
        listener.Signal(Proc.SIGTERM);
        RunResult result = listener.WaitForExit();
        Assert.Equal("aaaa\n", result.Stdout);
        Assert.Equal($"bus: {bus}: listening\n", result.Stderr);
    }

    [Fact]
    public void A_pattern_only_a_backtracking_engine_runs_still_works_within_its_match_timeout()
    {
        // A backreference needs the backtracking engine; a match that runs too long is given up
        // (taken as no match, said on stderr) instead of holding the bus.
        string bus = _sandbox.CreateBus();
        using CliProcess listener = Listen("listen", "--match", "^([a-z]+) \\1$", bus);
        Broadcast(bus, "echo echo");
        Broadcast(bus, "echo other");
        Broadcast(bus, "done done");
        listener.WaitForLines(2);
        listener.Signal(Proc.SIGTERM);
        Assert.Equal("echo echo\ndone done\n", listener.WaitForExit().Stdout);
    }

    [Theory]
    [InlineData("wait")]
    [InlineData("listen")]
    public void A_bad_regex_or_duration_is_a_bad_command_line(string verb)
    {
        string bus = _sandbox.PathFor("bus");
        RunResult regex = InProcess.Run(verb, "--match", "(", bus);
        Assert.Equal(2, regex.ExitCode);
        Assert.StartsWith("bus: --match: '(' is not a valid regular expression: ", regex.Stderr);
        RunResult duration = InProcess.Run(verb, "--timeout", "soon", bus);
        Assert.Equal(2, duration.ExitCode);
        Assert.StartsWith("bus: 'soon': not a duration", duration.Stderr);
    }
}
