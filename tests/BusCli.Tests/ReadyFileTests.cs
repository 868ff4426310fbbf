using BusCli.Tests.Infrastructure;

namespace BusCli.Tests;

/// <summary>
/// <c>--ready-file</c> given a regular file (issue 16): the listener removes the file it created
/// when it ends, however it ends, but only while the path still names that file; a missing
/// directory is a one-line error naming the path.
/// </summary>
public sealed class ReadyFileTests : IDisposable
{
    private readonly CliSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    private string Ready => _sandbox.PathFor("ready");

    private CliProcess StartListening(params string[] arguments)
    {
        CliProcess listener = _sandbox.Start([arguments[0], "--ready", "--ready-file", Ready, .. arguments[1..]], null);
        listener.WaitUntilListening();
        Assert.Equal($"{listener.Id}\n", File.ReadAllText(Ready));
        return listener;
    }

    [Theory]
    [InlineData("count", 0)]
    [InlineData("SIGTERM", 143)]
    [InlineData("SIGINT", 130)]
    [InlineData("SIGHUP", 129)]
    [InlineData("timeout", 4)]
    [InlineData("removed bus", 1)]
    public void Listen_removes_the_ready_file_it_created_when_it_ends(string how, int status)
    {
        string bus = _sandbox.CreateBus();
        using CliProcess listener = how == "timeout"
            ? StartListening("listen", "--timeout", "2s", bus)
            : StartListening("listen", "--count", "1", bus);
        switch (how)
        {
            case "count": Assert.Equal(0, _sandbox.Run("broadcast", bus, "1 one").ExitCode); break;
            case "SIGTERM": listener.Signal(Proc.SIGTERM); break;
            case "SIGINT": listener.Signal(Proc.SIGINT); break;
            case "SIGHUP": listener.Signal(Proc.SIGHUP); break;
            case "removed bus": Assert.Equal(0, _sandbox.Run("remove", bus).ExitCode); break;
        }
        Assert.Equal(status, listener.WaitForExit().ExitCode);
        Assert.False(File.Exists(Ready));
        if (how != "removed bus") CliSandbox.WaitUntilNoListeners(bus);
    }

    [Fact]
    public void A_stop_signal_while_blocked_on_a_full_stdout_pipe_still_ends_it_and_removes_the_file()
    {
        string bus = _sandbox.CreateBus();
        string script = $"exec \"$BUS\" listen --ready --ready-file '{Ready}' '{bus}' | sleep 600";
        using CliProcess shell = _sandbox.Shell(script);
        shell.WaitUntilListening();
        int pid = int.Parse(File.ReadAllText(Ready));
        // About 64 KiB fill the pipe that sleep never reads; then the listener blocks writing, and
        // the bus stays taken (a broadcast times out taking it: status 4).
        string message = new('x', 2000);
        int sent = 0;
        while (_sandbox.Run("broadcast", "--timeout", "2s", bus, message) is { ExitCode: 0 })
            Assert.True(++sent < 200, "the pipe never filled");
        Assert.Equal(4, _sandbox.Run("broadcast", "--timeout", "1s", bus, "held back").ExitCode);
        Proc.Kill(pid, Proc.SIGTERM);
        Eventually.True(() => !File.Exists(Ready) && Proc.State(pid) is null or 'Z', "the listener to end");
        CliSandbox.WaitUntilNoListeners(bus);
    }

    [Fact]
    public void Wait_removes_the_ready_file_it_created()
    {
        string bus = _sandbox.CreateBus();
        using CliProcess waiter = StartListening("wait", bus, "exit 3");
        Assert.Equal(0, _sandbox.Run("broadcast", bus, "1 go").ExitCode);
        Assert.Equal(3, waiter.WaitForExit().ExitCode);
        Assert.False(File.Exists(Ready));
    }

    [Fact]
    public void A_file_put_at_the_path_since_stays()
    {
        string bus = _sandbox.CreateBus();
        using CliProcess listener = StartListening("listen", bus);
        string other = _sandbox.PathFor("other");
        File.WriteAllText(other, "someone else's\n");
        File.Move(other, Ready, overwrite: true);
        listener.Signal(Proc.SIGTERM);
        Assert.Equal(143, listener.WaitForExit().ExitCode);
        Assert.Equal("someone else's\n", File.ReadAllText(Ready));
    }

    [Fact]
    public void A_symlink_put_at_the_path_since_stays_and_its_target_too()
    {
        string bus = _sandbox.CreateBus();
        using CliProcess listener = StartListening("listen", bus);
        string victim = _sandbox.PathFor("victim");
        File.WriteAllText(victim, "precious\n");
        File.Delete(Ready);
        File.CreateSymbolicLink(Ready, victim);
        listener.Signal(Proc.SIGTERM);
        Assert.Equal(143, listener.WaitForExit().ExitCode);
        Assert.Equal(victim, new FileInfo(Ready).LinkTarget);
        Assert.Equal("precious\n", File.ReadAllText(victim));
    }

    [Fact]
    public void A_fifo_is_left_in_place()
    {
        string bus = _sandbox.CreateBus();
        Proc.Mkfifo(Ready);
        using CliProcess listener = _sandbox.Start("listen", "--ready-file", Ready, bus);
        Assert.Equal($"{listener.Id}\n", File.ReadAllText(Ready)); // opening it for reading waits for the listener
        listener.Signal(Proc.SIGTERM);
        Assert.Equal(143, listener.WaitForExit().ExitCode);
        Assert.Equal(Mono.Unix.Native.FilePermissions.S_IFIFO,
            Mono.Unix.Native.Syscall.lstat(Ready, out var stat) == 0 ? stat.st_mode & Mono.Unix.Native.FilePermissions.S_IFMT : 0);
    }

    [Theory]
    [InlineData("listen")]
    [InlineData("wait")]
    public void A_missing_directory_is_one_line_naming_the_path(string verb)
    {
        string bus = _sandbox.CreateBus();
        string missing = _sandbox.PathFor("nodir");
        RunResult result = _sandbox.Run(verb, "--ready-file", missing + "/ready", bus);
        Assert.Equal(new RunResult(1, "", $"bus: {missing}/ready: cannot create the readiness file: no directory {missing}\n"), result);
        CliSandbox.WaitUntilNoListeners(bus);
        Assert.Empty(Directory.GetFiles(_sandbox.Directory, ".bus-ready.*"));
    }
}
