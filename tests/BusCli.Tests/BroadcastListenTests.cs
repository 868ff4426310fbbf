using BusCli.Tests.Infrastructure;

namespace BusCli.Tests;

public sealed class BroadcastListenTests : IDisposable
{
    private readonly CliSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    private CliProcess Listen(string bus, params string[] extra) => ListenAndRun(bus, null, extra);

    private CliProcess ListenAndRun(string bus, string? command, params string[] extra)
    {
        string[] arguments = ["listen", "--ready", .. extra, bus];
        CliProcess listener = _sandbox.Start(command is null ? arguments : [.. arguments, command], null);
        listener.WaitUntilListening();
        return listener;
    }

    [Fact]
    public void A_listener_prints_each_message_on_its_own_line()
    {
        string bus = _sandbox.CreateBus();
        using CliProcess listener = Listen(bus, "--count", "3");
        foreach (string message in new[] { "1 one", "2 two words", "3 ünïcödé" })
            Assert.Equal(0, _sandbox.Run("broadcast", bus, message).ExitCode);
        RunResult result = listener.WaitForExit();
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("1 one\n2 two words\n3 ünïcödé\n", result.Stdout);
        Assert.Equal($"bus: {bus}: listening\n", result.Stderr);
        CliSandbox.WaitUntilNoListeners(bus);
    }

    [Fact]
    public void Null_separates_messages_with_NUL()
    {
        string bus = _sandbox.CreateBus();
        using CliProcess listener = Listen(bus, "-0", "--count", "2");
        Assert.Equal(0, _sandbox.Run("broadcast", bus, "a\nb").ExitCode);
        Assert.Equal(0, _sandbox.Run("broadcast", bus, "c").ExitCode);
        Assert.Equal("a\nb\0c\0", listener.WaitForExit().Stdout);
    }

    [Fact]
    public void Wait_prints_one_message_and_exits()
    {
        string bus = _sandbox.CreateBus();
        using CliProcess waiter = _sandbox.Start("wait", "--ready", bus);
        waiter.WaitUntilListening();
        Assert.Equal(0, _sandbox.Run("broadcast", bus, "only").ExitCode);
        RunResult result = waiter.WaitForExit();
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("only\n", result.Stdout);
        CliSandbox.WaitUntilNoListeners(bus);
    }

    [Fact]
    public void Wait_runs_the_command_with_msg_and_exits_with_its_status()
    {
        string bus = _sandbox.CreateBus();
        using CliProcess waiter = _sandbox.Start("wait", "--ready", bus, "echo \"got $msg\"; exit 7");
        waiter.WaitUntilListening();
        Assert.Equal(0, _sandbox.Run("broadcast", bus, "42 hello").ExitCode);
        RunResult result = waiter.WaitForExit();
        Assert.Equal(7, result.ExitCode);
        Assert.Equal("got 42 hello\n", result.Stdout);
    }

    [Fact]
    public void Listen_runs_a_command_per_message_with_msg_without_waiting_and_leaves_no_zombies()
    {
        string bus = _sandbox.CreateBus();
        string outDir = _sandbox.PathFor("out");
        Directory.CreateDirectory(outDir);
        // Each command outlives the next message: without a --jobs limit, the listener must not wait for it.
        using CliProcess listener = ListenAndRun(bus, $"sleep 2; echo \"$msg\" > '{outDir}'/\"$msg\"", "--count", "5", "--jobs", "0");
        var started = DateTime.UtcNow;
        for (int i = 0; i < 5; i++) Assert.Equal(0, _sandbox.Run("broadcast", bus, $"m{i}").ExitCode);
        // Five broadcasts were delivered before the first command could finish.
        Assert.Empty(Directory.GetFiles(outDir));
        Eventually.True(() => Directory.GetFiles(outDir).Length >= 5, "the five commands' files");
        for (int i = 0; i < 5; i++)
            Assert.Equal($"m{i}\n", File.ReadAllText(Path.Combine(outDir, $"m{i}")));
        Assert.Equal(0, listener.WaitForExit().ExitCode);
    }

    [Fact]
    public void Finished_commands_are_reaped_while_listening()
    {
        string bus = _sandbox.CreateBus();
        using CliProcess listener = ListenAndRun(bus, "true");
        for (int i = 0; i < 10; i++) Assert.Equal(0, _sandbox.Run("broadcast", bus, $"m{i}").ExitCode);
        // Every 'sh -c true' has finished by now or soon; none may stay a zombie.
        Eventually.True(() => Proc.Children(listener.Id).Count == 0,
            () => $"the commands to be reaped; left: {string.Join(", ", Proc.Children(listener.Id).Select(c => $"{c.Pid} {c.State}"))}", TimeSpan.FromSeconds(10));
        Assert.False(listener.HasExited);
        listener.Signal(Proc.SIGTERM);
        Assert.Equal(143, listener.WaitForExit().ExitCode);
    }

    [Fact]
    public void Broadcasting_stdin_sends_every_line_in_order()
    {
        string bus = _sandbox.CreateBus();
        const int count = 300;
        using CliProcess listener = Listen(bus, "--count", count.ToString());
        string input = string.Concat(Enumerable.Range(0, count).Select(i => $"{i} line\n"));
        RunResult sender = _sandbox.RunWithInput(input, "broadcast", bus, "-");
        Assert.True(sender.ExitCode == 0, sender.ToString());
        RunResult result = listener.WaitForExit();
        Assert.Equal(input, result.Stdout);
    }

    [Fact]
    public void Broadcasting_stdin_sends_each_line_as_it_arrives()
    {
        string bus = _sandbox.CreateBus();
        using CliProcess listener = Listen(bus);
        using CliProcess sender = _sandbox.Start("broadcast", bus, "-");
        for (int i = 1; i <= 3; i++)
        {
            sender.Stdin.Write($"line {i}\n");
            sender.Stdin.Flush();
            listener.WaitForLines(i); // delivered before the next line is even written (tail -f)
        }
        sender.Stdin.Write("last without newline");
        sender.Stdin.Close();
        Assert.Equal(0, sender.WaitForExit().ExitCode);
        listener.WaitForLines(4);
        Assert.Equal("line 1\nline 2\nline 3\nlast without newline\n", listener.Stdout);
    }

    [Fact]
    public void An_overlong_message_is_refused_before_anything_is_sent()
    {
        string bus = _sandbox.CreateBus();
        using CliProcess listener = Listen(bus, "--count", "1");
        RunResult refused = _sandbox.Run("broadcast", bus, new string('x', 2048));
        Assert.Equal(1, refused.ExitCode);
        Assert.Equal($"bus: {bus}: message: 2048 bytes of UTF-8, over the limit of 2047\n", refused.Stderr);
        Assert.Equal(0, _sandbox.Run("broadcast", bus, new string('y', 2047)).ExitCode);
        Assert.Equal(new string('y', 2047) + "\n", listener.WaitForExit().Stdout);
    }

    [Fact]
    public void Bad_lines_on_stdin_are_reported_and_skipped()
    {
        string bus = _sandbox.CreateBus();
        using CliProcess listener = Listen(bus, "--count", "2");
        string input = "first\n" + new string('x', 3000) + "\nbad\0nul\nsecond\n";
        RunResult sender = _sandbox.RunWithInput(input, "broadcast", bus, "-");
        Assert.Equal(1, sender.ExitCode);
        Assert.Equal(
            $"bus: {bus}: standard input line 2: not sent: the message is more than 2047 bytes\n" +
            $"bus: {bus}: standard input line 3: not sent: the message contains a NUL byte; bus messages cannot contain NUL\n",
            sender.Stderr);
        Assert.Equal("first\nsecond\n", listener.WaitForExit().Stdout);
    }

    [Fact]
    public void A_listener_in_a_pipeline_ends_when_the_reader_does()
    {
        string bus = _sandbox.CreateBus();
        string ready = _sandbox.PathFor("ready");
        using CliProcess pipeline = _sandbox.Shell($"\"$BUS\" listen --ready-file '{ready}' '{bus}' | head -n 3");
        WaitForFile(ready);
        for (int i = 1; i <= 3; i++) Assert.Equal(0, _sandbox.Run("broadcast", bus, $"m{i}").ExitCode);
        RunResult result = pipeline.WaitForExit();
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("m1\nm2\nm3\n", result.Stdout);
        Assert.Equal("", result.Stderr);
        CliSandbox.WaitUntilNoListeners(bus); // it left the bus, not just died
    }

    [Fact]
    public void A_closed_stdout_ends_the_listener_quietly_at_the_next_message()
    {
        string bus = _sandbox.CreateBus();
        string ready = _sandbox.PathFor("ready");
        // stdout is a pipe whose reader ('true') is already gone.
        using CliProcess pipeline = _sandbox.Shell($"\"$BUS\" listen --ready-file '{ready}' '{bus}' | true; echo \"status ${{PIPESTATUS:-done}}\"");
        RunResult result = pipeline.WaitForExit();
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Stderr);
        CliSandbox.WaitUntilNoListeners(bus);
    }

    [Fact]
    public void The_ready_file_as_a_fifo_lets_a_script_broadcast_at_once_without_loss()
    {
        string bus = _sandbox.CreateBus();
        string script = $"""
            set -e
            cd '{_sandbox.Directory}'
            for i in 1 2 3 4 5; do
              rm -f ready; mkfifo ready
              "$BUS" wait --ready-file ready '{bus}' > out.$i &
              read -r pid < ready
              "$BUS" broadcast '{bus}' "message $i"
              wait $!
            done
            cat out.1 out.2 out.3 out.4 out.5
            """;
        using CliProcess shell = _sandbox.Shell(script);
        RunResult result = shell.WaitForExit();
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("message 1\nmessage 2\nmessage 3\nmessage 4\nmessage 5\n", result.Stdout);
    }

    [Fact]
    public void The_ready_file_is_created_once_listening()
    {
        string bus = _sandbox.CreateBus();
        string ready = _sandbox.PathFor("ready");
        using CliProcess listener = _sandbox.Start("listen", "--ready-file", ready, bus);
        WaitForFile(ready);
        Assert.Equal($"{listener.Id}\n", File.ReadAllText(ready));
        Assert.Equal(0, _sandbox.Run("broadcast", bus, "hi").ExitCode);
        listener.WaitForLines(1);
        listener.Signal(Proc.SIGTERM);
        Assert.Equal(143, listener.WaitForExit().ExitCode);
    }

    private static void WaitForFile(string path) => Eventually.True(() => File.Exists(path), $"{path} to appear");
}
