using BusCli.Tests.Infrastructure;

namespace BusCli.Tests;

/// <summary>
/// <c>listen -j/--jobs N</c> (issue 16): at most N commands at once, in message order with
/// <c>-j 1</c>, and no message taken while N run. Every command here blocks until the test
/// creates its release file, so what runs at once is decided by the test, never by timing.
/// </summary>
public sealed class JobsTests : IDisposable
{
    private readonly CliSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    private string Log => _sandbox.PathFor("log");

    /// <summary>
    /// Logs "start MSG", waits for the file release.MSG, logs "end MSG". It gives up once the
    /// sandbox is gone or after 3 minutes, so a test that fails before its releases leaves no
    /// command looping behind it (the listener's commands outlive the listener).
    /// </summary>
    private string BlockingCommand => $"echo \"start $msg\" >> '{Log}'; i=0; while [ ! -e \"{_sandbox.Directory}/release.$msg\" ]; do [ -d '{_sandbox.Directory}' ] && [ $i -lt 9000 ] || exit 1; i=$((i+1)); sleep 0.02; done; echo \"end $msg\" >> '{Log}'";

    private void Release(string message) => File.WriteAllText(_sandbox.PathFor("release." + message), "");

    private string[] LogLines() => File.Exists(Log) ? File.ReadAllLines(Log) : [];

    private void WaitForLog(Func<string[], bool> condition, string what)
        => Eventually.True(() => condition(LogLines()), () => $"{what}; log [{string.Join(" | ", LogLines())}]");

    private CliProcess Listen(string bus, params string[] options)
    {
        CliProcess listener = _sandbox.Start(["listen", "--ready", .. options, bus, BlockingCommand], null);
        listener.WaitUntilListening();
        return listener;
    }

    private void Broadcast(string bus, string message)
        => Assert.Equal(new RunResult(0, "", ""), _sandbox.Run("broadcast", "--timeout", "20s", bus, message));

    /// <summary>The most commands the log shows running at once.</summary>
    private static int MostAtOnce(string[] log)
    {
        int running = 0, most = 0;
        foreach (string line in log)
        {
            running += line.StartsWith("start ", StringComparison.Ordinal) ? 1 : -1;
            most = Math.Max(most, running);
        }
        return most;
    }

    [Fact]
    public void Jobs_1_runs_the_commands_one_after_another_in_message_order()
    {
        string bus = _sandbox.CreateBus();
        // Released before they are sent: each command ends at once, so only -j 1 keeps them apart.
        foreach (string m in new[] { "1", "2", "3", "4", "5" }) Release(m);
        using CliProcess listener = Listen(bus, "-j", "1", "--count", "5");
        using CliProcess sender = _sandbox.Shell($"for m in 1 2 3 4 5; do \"$BUS\" broadcast --timeout 20s '{bus}' $m || exit 1; done");
        Assert.Equal(0, sender.WaitForExit().ExitCode);
        Assert.Equal(0, listener.WaitForExit().ExitCode);
        // With -j 1 the listener waits for the last command too before it exits.
        Assert.Equal(["start 1", "end 1", "start 2", "end 2", "start 3", "end 3", "start 4", "end 4", "start 5", "end 5"], LogLines());
    }

    [Fact]
    public void Jobs_2_runs_at_most_two_commands_and_holds_broadcasters_back_meanwhile()
    {
        string bus = _sandbox.CreateBus();
        using CliProcess listener = Listen(bus, "--jobs", "2");
        Broadcast(bus, "1");
        Broadcast(bus, "2");
        WaitForLog(log => log.Length == 2, "two commands to start");

        // Two run: the listener takes no message, so the next broadcaster cannot take the bus.
        RunResult busy = _sandbox.Run("broadcast", "--timeout", "1s", bus, "3");
        Assert.Equal(4, busy.ExitCode);
        Assert.Contains("timed out waiting for the bus", busy.Stderr);
        using CliProcess third = _sandbox.Start("broadcast", "--timeout", "20s", bus, "3");

        // One ends: the listener takes message 3 and starts its command.
        Release("1");
        Assert.Equal(0, third.WaitForExit().ExitCode);
        WaitForLog(log => log.Contains("start 3"), "the third command");
        Assert.Equal(4, _sandbox.Run("broadcast", "--timeout", "1s", bus, "4").ExitCode);

        Release("2");
        Release("3");
        Broadcast(bus, "4");
        Release("4");
        WaitForLog(log => log.Length == 8, "every command to end");
        Assert.Equal(2, MostAtOnce(LogLines()));
        Assert.Equal(["start 1", "start 2"], LogLines()[..2]);
        Assert.False(listener.HasExited);
        listener.Signal(Proc.SIGTERM);
        Assert.Equal(143, listener.WaitForExit().ExitCode);
    }

    [Fact]
    public void Jobs_0_sets_no_limit()
    {
        string bus = _sandbox.CreateBus();
        using CliProcess listener = Listen(bus, "-j", "0");
        foreach (string m in new[] { "1", "2", "3", "4", "5", "6" }) Broadcast(bus, m);
        WaitForLog(log => log.Length == 6, "six commands to start");
        foreach (string m in new[] { "1", "2", "3", "4", "5", "6" }) Release(m);
        WaitForLog(log => log.Length == 12, "every command to end");
        Assert.Equal(6, MostAtOnce(LogLines()));
        listener.Signal(Proc.SIGTERM);
        Assert.Equal(143, listener.WaitForExit().ExitCode);
    }

    [Fact]
    public void A_stop_signal_ends_a_listener_waiting_for_a_free_slot_and_it_leaves_the_bus()
    {
        string bus = _sandbox.CreateBus();
        using CliProcess listener = Listen(bus, "-j", "1");
        Broadcast(bus, "1");
        WaitForLog(log => log.Length == 1, "the command to start");
        listener.Signal(Proc.SIGTERM);
        Assert.Equal(143, listener.WaitForExit().ExitCode);
        CliSandbox.WaitUntilNoListeners(bus);
        // The bus is free again for the next broadcaster.
        Assert.Equal(new RunResult(0, "", ""), _sandbox.Run("broadcast", "-n", bus, "2"));
        Release("1");
    }

    [Theory]
    [InlineData("1.5", "--jobs: '1.5' is not a whole number (0 for no limit)")]
    [InlineData("two", "--jobs: 'two' is not a whole number (0 for no limit)")]
    public void A_bad_jobs_value_is_a_bad_command_line(string value, string error)
    {
        string bus = _sandbox.PathFor("bus");
        RunResult result = InProcess.Run("listen", "-j", value, bus, "true");
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith($"bus: {error}", result.Stderr);
    }

    [Fact]
    public void Jobs_without_a_command_is_a_bad_command_line()
    {
        string bus = _sandbox.PathFor("bus");
        RunResult result = InProcess.Run("listen", "-j", "2", bus);
        Assert.Equal(new RunResult(2, "", "bus: --jobs applies only with COMMAND (try 'bus listen --help')\n"), result);
    }
}
