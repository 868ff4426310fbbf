using System.Text;
using BusCli.Tests.Infrastructure;

namespace BusCli.Tests;

/// <summary>
/// Issue 11, the command's half: signals that end a blocked listener, closed standard
/// streams, bytes that are not UTF-8, memory under load and small error lines
/// (docs/RELIABILITY.md, "Careless use").
/// </summary>
public sealed class RobustnessTests : IDisposable
{
    private readonly CliSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    private static string Q(string s) => Nobody.Quote(s);

    /// <summary>A shell script's result: runs SCRIPT (in the sandbox, $BUS the command) and prints "exit N" for its last command.</summary>
    private RunResult Script(string script)
    {
        using CliProcess shell = _sandbox.Shell(script + "; echo \"exit $?\"");
        shell.Stdin.Close();
        return shell.WaitForExit();
    }

    private static void AssertIdle(string bus)
    {
        var values = CliSandbox.SemaphoreValues(bus);
        Assert.Equal((0, 0, 1, 0), (values.S, values.W, values.X, values.N));
    }

    private static string Wchan(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/wchan");
        }
        catch (IOException)
        {
            return "";
        }
    }

    // ---- 2. signals ---------------------------------------------------------------------

    [Theory]
    [InlineData(Proc.SIGTERM, 143)]
    [InlineData(Proc.SIGINT, 130)]
    [InlineData(Proc.SIGHUP, 129)]
    public void A_listener_blocked_on_a_full_stdout_pipe_ends_at_a_stop_signal(int signal, int status)
    {
        string bus = _sandbox.CreateBus();
        string fifo = _sandbox.PathFor("fifo");
        Proc.Mkfifo(fifo);
        // A reader that never reads (this test): the listener's writes fill the pipe, then block.
        using var reader = new FileStream(fifo, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, 1);
        using CliProcess listener = _sandbox.Shell($"exec \"$BUS\" listen --ready {Q(bus)} > {Q(fifo)}");
        listener.WaitUntilListening();
        string line = new('x', 2000);
        using CliProcess sender = _sandbox.Start("broadcast", bus, "-");
        // 60 lines: about 33 fill the listener's 64 KiB pipe; the rest fit in the sender's stdin pipe.
        for (int i = 0; i < 60; i++) sender.Stdin.Write(line + "\n");
        sender.Stdin.Close();
        Eventually.True(() => Wchan(listener.Id).EndsWith("pipe_write", StringComparison.Ordinal), // anon_pipe_write on newer kernels
            () => $"the listener to block writing (wchan '{Wchan(listener.Id)}')");

        listener.Signal(signal);
        Assert.Equal(status, listener.WaitForExit().ExitCode);
        // The kernel undid its membership: the rest goes to nobody, and the bus is idle.
        Assert.Equal(0, sender.WaitForExit().ExitCode);
        AssertIdle(bus);
    }

    [Fact]
    public void Wait_passes_a_stop_signal_on_to_its_command_and_exits_at_once()
    {
        string bus = _sandbox.CreateBus();
        string pidFile = _sandbox.PathFor("command.pid");
        using CliProcess waiter = _sandbox.Start("wait", "--ready", bus, $"echo $$ > {Q(pidFile)}; exec sleep 600");
        waiter.WaitUntilListening();
        Assert.Equal(0, _sandbox.Run("broadcast", bus, "go").ExitCode);
        Eventually.True(() => File.Exists(pidFile) && File.ReadAllText(pidFile).EndsWith('\n'), "the command to start");
        int command = int.Parse(File.ReadAllText(pidFile));

        waiter.Signal(Proc.SIGTERM);
        Assert.Equal(143, waiter.WaitForExit().ExitCode);
        Eventually.True(() => Proc.State(command) is null or 'Z', "the command to get the signal and end");
        AssertIdle(bus);
    }

    // ---- 3. closed standard streams and failures to start a command ---------------------

    public static TheoryData<string, string, int, string> ClosedStreams => new()
    {
        { "create with stdout closed", "\"$BUS\" create ./new >&-", 0, "" },
        { "create (random) with stdout closed", "\"$BUS\" create >&-", 1, "bus: standard output is closed: nowhere to print the new bus's path; nothing was created\n" },
        { "chmod with stdout closed", "\"$BUS\" chmod 600 ./bus >&-", 0, "" },
        { "broadcast -n with stdout closed", "\"$BUS\" broadcast -n ./bus m >&-", 0, "" },
        { "listen with stdout closed", "\"$BUS\" listen ./bus >&-", 1, "bus: standard output is closed: nowhere to print the messages\n" },
        { "wait with stdout closed", "\"$BUS\" wait ./bus >&-", 1, "bus: standard output is closed: nowhere to print the messages\n" },
        { "failing broadcast with stderr closed", "\"$BUS\" broadcast ./missing m 2>&-", 1, "" },
        { "failing broadcast with stdout and stderr closed", "\"$BUS\" broadcast ./missing m >&- 2>&-", 1, "" },
        { "failing listen with stderr closed", "\"$BUS\" listen ./missing 2>&-", 1, "" },
        { "broadcast - with stdin closed", "\"$BUS\" broadcast ./bus - <&-", 1, "bus: standard input is closed: no messages to read\n" },
        { "remove with stdout closed", "\"$BUS\" remove ./bus >&-", 0, "" },
    };

    [Theory]
    [MemberData(nameof(ClosedStreams))]
    public void A_closed_standard_stream_gives_one_line_and_a_documented_status(string name, string script, int status, string stderr)
    {
        _sandbox.CreateBus();
        RunResult result = Script(script);
        Assert.True(result.Stdout == $"exit {status}\n" && result.Stderr == stderr, $"{name}: {result}");
        if (name.StartsWith("create with", StringComparison.Ordinal)) _sandbox.RememberKeys(_sandbox.PathFor("new"));
    }

    [Fact]
    public void Standard_input_that_cannot_be_read_is_named_in_the_error_not_the_bus()
    {
        string bus = _sandbox.CreateBus();
        RunResult result = Script($"\"$BUS\" broadcast {Q(bus)} - < {Q(_sandbox.Directory)}");
        Assert.Equal("exit 1\n", result.Stdout);
        Assert.Equal("bus: standard input: cannot read: Is a directory\n", result.Stderr);
    }

    [RootFact]
    public void A_command_that_cannot_be_started_is_one_line_and_the_listener_goes_on()
    {
        string bus = _sandbox.CreateBus();
        Assert.Equal(0, _sandbox.Run("chmod", "+o", bus).ExitCode);
        AsNobody.MakeSearchable(_sandbox.Directory);
        using CliProcess listener = _sandbox.Shell(Nobody.Command("listen", "--ready", bus, "echo ran"));
        listener.WaitUntilListening();
        // The listener's user may start no more processes (nor threads): fork fails with EAGAIN.
        // (Set by that user: root may lack CAP_SYS_RESOURCE in a container.)
        using (CliProcess prlimit = _sandbox.Shell($"setpriv {string.Join(' ', AsNobody.SetprivOptions)} prlimit --pid {listener.Id} --nproc=1:1"))
            Assert.Equal(0, prlimit.WaitForExit().ExitCode);
        for (int i = 1; i <= 2; i++)
        {
            Assert.Equal(0, _sandbox.Run("broadcast", bus, $"m{i}").ExitCode);
            int count = i;
            listener.WaitFor((_, err) => err.Split('\n').Count(l => l.Contains("cannot run the command")) >= count, $"error line {i}");
        }
        listener.Signal(Proc.SIGTERM);
        RunResult result = listener.WaitForExit();
        Assert.Equal(143, result.ExitCode);
        Assert.Equal(
            $"bus: {bus}: listening\n" +
            $"bus: {bus}: cannot run the command: Resource temporarily unavailable\n" +
            $"bus: {bus}: cannot run the command: Resource temporarily unavailable\n",
            result.Stderr);
        Assert.Equal("", result.Stdout);
    }

    // ---- 5. bytes are bytes -------------------------------------------------------------

    [Fact]
    public void A_message_that_is_not_UTF8_goes_through_byte_for_byte_to_stdout_and_to_msg()
    {
        string bus = _sandbox.CreateBus();
        string printed = _sandbox.PathFor("printed"), msg = _sandbox.PathFor("msg"), env = _sandbox.PathFor("env"), command = _sandbox.PathFor("command");
        using CliProcess listener = _sandbox.Shell($"exec \"$BUS\" listen --ready --count 2 {Q(bus)} > {Q(printed)}");
        // The command itself holds a byte that is not UTF-8 ($E), and so does the environment ($X).
        using CliProcess waiter = _sandbox.Shell($$"""
            E=$(printf '\351'); export X="a$E"
            exec "$BUS" wait --ready {{Q(bus)}} "printf %s \"\$msg\" > {{Q(msg)}}; printf %s \"\$X\" > {{Q(env)}}; printf %s '$E' > {{Q(command)}}"
            """);
        listener.WaitUntilListening();
        waiter.WaitUntilListening();
        RunResult sent = Script($"\"$BUS\" broadcast {Q(bus)} \"$(printf 'caf\\351 \\377')\" && \"$BUS\" broadcast {Q(bus)} \"$(printf 'real \\357\\277\\275')\"");
        Assert.True(sent.Stdout == "exit 0\n" && sent.Stderr == "", sent.ToString());
        Assert.Equal(0, listener.WaitForExit().ExitCode);
        Assert.Equal(0, waiter.WaitForExit().ExitCode);

        byte[] first = [.. "caf"u8, 0xE9, (byte)' ', 0xFF];
        Assert.Equal([.. first, (byte)'\n', .. "real "u8, 0xEF, 0xBF, 0xBD, (byte)'\n'], File.ReadAllBytes(printed));
        Assert.Equal(first, File.ReadAllBytes(msg));
        Assert.Equal([(byte)'a', 0xE9], File.ReadAllBytes(env));
        Assert.Equal([0xE9], File.ReadAllBytes(command));
    }

    /// <summary>
    /// A key file's name is bytes: one that is not UTF-8 is created, listed, shown (as ls -b),
    /// written exactly in JSON (\udcXX for a byte that is not UTF-8), used, collected and removed
    /// under exactly that name (issue 22, N8).
    /// </summary>
    [Fact]
    public void A_bus_whose_name_is_not_UTF8_keeps_its_bytes_through_every_verb()
    {
        string script = """
            name=$(printf './caf\351')
            "$BUS" broadcast "$name" m; echo "broadcast $?"
            "$BUS" create "$name"; echo "create $?"
            ls -b
            "$BUS" list .
            "$BUS" list --json . | grep '"path"'
            "$BUS" status "$name" | head -1
            "$BUS" broadcast "$name" m; echo "broadcast $?"
            "$BUS" remove "$name"; echo "remove $?"
            ls -b
            "$BUS" create "$name" && ipcrm -S "$(sed -n 1p "$name")" -M "$(sed -n 2p "$name")"
            "$BUS" gc .
            ls -b
            """;
        RunResult result = Script(script);
        Assert.Equal("""
            broadcast 1
            create 0
            caf\351
            ./caf\351	alive	0
                "path": "./caf\udce9",
            path:             ./caf\351
            broadcast 0
            remove 0
            removed stale key file ./caf\351
            exit 0

            """, result.Stdout);
        Assert.Equal("bus: ./caf\\351: no such bus (the key file does not exist)\n", result.Stderr);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_sandbox.Directory));
    }

    [Theory]
    [InlineData("listen", "--ready-file")]
    [InlineData("run", "--dir")]
    public void A_name_that_is_not_UTF8_where_only_text_is_taken_is_refused_not_changed(string verb, string option)
    {
        string extra = verb == "run" ? " -- true" : " ./bus";
        RunResult result = Script($"\"$BUS\" {verb} {option} \"$(printf './caf\\351')\"{extra}");
        Assert.Equal("exit 1\n", result.Stdout);
        Assert.StartsWith("bus: ./caf\\351: not valid UTF-8;", result.Stderr);
        Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_sandbox.Directory));
    }

    // ---- 7. memory under load ------------------------------------------------------------

    private static long StatusKib(int pid, string field)
        => long.Parse(File.ReadAllLines($"/proc/{pid}/status").Single(l => l.StartsWith(field + ":", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);

    [Fact]
    public void A_busy_listener_does_not_grow()
    {
        string bus = _sandbox.CreateBus();
        using CliProcess listener = _sandbox.Shell($"exec \"$BUS\" listen --ready {Q(bus)} > /dev/null");
        listener.WaitUntilListening();
        long idle = StatusKib(listener.Id, "VmRSS");
        using (CliProcess sender = _sandbox.Start("broadcast", bus, "-"))
        {
            string line = new('x', 1000);
            for (int i = 0; i < 20_000; i++) sender.Stdin.Write(line + "\n");
            sender.Stdin.Close();
            Assert.Equal(0, sender.WaitForExit(TimeSpan.FromMinutes(2)).ExitCode);
        }
        // Before ListenBytes: +16 MiB (Native AOT, 5.5 to 22 MiB) and +18 MiB (JIT) for this load.
        long growth = StatusKib(listener.Id, "VmHWM") - idle;
        Assert.True(growth < 8 * 1024, $"resident memory grew by {growth} KiB (from {idle} KiB idle) over 20,000 messages");
    }

    // ---- 8. one-line errors -------------------------------------------------------------

    [Fact]
    public void A_path_with_a_newline_is_escaped_on_one_line()
    {
        RunResult result = _sandbox.Run("broadcast", "./a\nb", "m");
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("bus: ./a\\nb: no such bus (the key file does not exist)\n", result.Stderr);
    }

    [Theory]
    [InlineData("broadcast", "", "m")]
    [InlineData("listen", "")]
    [InlineData("create", "")]
    [InlineData("remove", "")]
    public void An_empty_path_is_one_clear_line(params string[] arguments)
    {
        RunResult result = _sandbox.Run(arguments);
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("bus: PATH is empty: it must name a file\n", result.Stderr);
    }

    [RootFact]
    public void Too_few_semaphore_operations_per_call_is_named()
    {
        // SEMOPM lowered inside a private IPC namespace only, never the machine's.
        RunResult result = Script(
            "unshare --ipc sh -c 'echo \"32000 1024000000 3 32000\" > /proc/sys/kernel/sem && " +
            "\"$BUS\" create ./b && { \"$BUS\" broadcast ./b m; s=$?; \"$BUS\" remove ./b; exit $s; }'");
        Assert.Equal("exit 1\n", result.Stdout);
        Assert.Equal(
            "bus: ./b: taking the bus: the kernel allows too few operations per semop call " +
            "(SEMOPM, the third number in /proc/sys/kernel/sem, is below 4, the most bus takes in one step)\n",
            result.Stderr);
    }
}
