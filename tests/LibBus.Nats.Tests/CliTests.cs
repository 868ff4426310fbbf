using LibBus.Nats.Tests.Infrastructure;
using LibBus.TestSupport;

namespace LibBus.Nats.Tests;

/// <summary><c>bus bridge</c> on one bus: credentials, secrets, an unreachable server, a removed bus, signals.</summary>
public sealed class CliTests : IDisposable
{
    private readonly TestResources _resources = new();
    private readonly string _directory = Directory.CreateTempSubdirectory("libbus-nats-cli-").FullName;
    private readonly string _bus;

    public CliTests()
    {
        _resources.Defer(() => Directory.Delete(_directory, recursive: true));
        _bus = Bus.Create(Path.Combine(_directory, "bus"), exclusive: true);
        _ipc.AddKeyFile(_bus);
        _resources.Defer(() =>
        {
            try { Bus.Remove(_bus); }
            catch (BusException) { }
        });
    }

    private IpcScope _ipc => _resources.Ipc;

    public void Dispose() => _resources.Dispose();

    private T Own<T>(T item) where T : IDisposable => _resources.Own(item);

    private string SecretFile(string name, string secret)
    {
        string file = Path.Combine(_directory, name);
        File.WriteAllText(file, secret + "\n");
        return file;
    }

    private CliProcess Bridge(params string[] arguments)
    {
        CliProcess bridge = Own(CliProcess.Bus(["bridge", _bus, "--ready-file", Path.Combine(_directory, "ready"), .. arguments], null, null));
        _ipc.AddProcess(bridge.Id);
        return bridge;
    }

    private void WaitUntilReady(CliProcess bridge) => Eventually.True(
        () => File.Exists(Path.Combine(_directory, "ready")) || bridge.HasExited,
        $"the bridge to be ready (stderr [{bridge.Stderr}])", TimeSpan.FromSeconds(60));

    [NatsFact]
    public void Refused_credentials_end_the_bridge_with_one_line_that_shows_no_secret()
    {
        var server = Own(NatsServer.Start(false, "--user", "alice", "--pass", "right-pw-4711"));
        CliProcess wrong = Bridge("--server", server.Url, "--subject", "s", "--user", "alice", "--password-file", SecretFile("wrong", "wrong-pw-0815"));
        RunResult result = wrong.WaitForExit(TimeSpan.FromSeconds(60));
        Assert.Equal(1, result.ExitCode);
        Assert.Single(result.Stderr.TrimEnd('\n').Split('\n'));
        Assert.StartsWith("bus: ", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("uthorization", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("pw-", result.Stdout + result.Stderr, StringComparison.Ordinal);

        CliProcess right = Bridge("--server", server.Url, "--subject", "s", "--user", "alice", "--password-file", SecretFile("right", "right-pw-4711"));
        WaitUntilReady(right);
        Assert.False(right.HasExited, right.Stderr);
        right.Signal(Proc.SIGINT);
        Assert.Equal(128 + 2, right.WaitForExit(TimeSpan.FromSeconds(30)).ExitCode);
    }

    [NatsFact]
    public void A_token_from_a_file_connects_and_the_token_is_never_printed()
    {
        var server = Own(NatsServer.Start(false, "--auth", "tok-secret-99"));
        CliProcess bridge = Bridge("--server", server.Url, "--subject", "s", "--token-file", SecretFile("token", "tok-secret-99"), "--stats", "200ms");
        WaitUntilReady(bridge);
        bridge.WaitFor((o, _) => o.Contains("forwarded-out 0 forwarded-in 0 dropped 0 rejected 0 redelivered 0 reconnects 0 holds 0\n", StringComparison.Ordinal), "a --stats line");
        bridge.Signal(Proc.SIGHUP);
        RunResult result = bridge.WaitForExit(TimeSpan.FromSeconds(30));
        Assert.Equal(128 + 1, result.ExitCode);
        Assert.DoesNotContain("tok-secret", result.Stdout + result.Stderr, StringComparison.Ordinal);
    }

    [NatsFact]
    public void A_bridge_started_before_its_server_says_so_once_and_connects_when_the_server_comes()
    {
        int port = NatsServer.FreePort();
        CliProcess bridge = Bridge("--server", $"nats://127.0.0.1:{port}", "--subject", "s");
        bridge.WaitFor((_, e) => e.Contains("retrying", StringComparison.Ordinal), "the 'cannot reach' line", TimeSpan.FromSeconds(60));
        Own(NatsServer.Start(port, jetStream: false));
        WaitUntilReady(bridge);
        Assert.False(bridge.HasExited, bridge.Stderr);
        bridge.Signal(Proc.SIGTERM);
        RunResult result = bridge.WaitForExit(TimeSpan.FromSeconds(30));
        Assert.Equal(128 + 15, result.ExitCode);
        Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains("retrying", StringComparison.Ordinal));
    }

    [NatsFact]
    public void Removing_the_bus_ends_the_bridge_with_status_1_and_one_line()
    {
        var server = Own(NatsServer.Start());
        foreach (string direction in new[] { "out", "in", "both" })
        {
            File.Delete(Path.Combine(_directory, "ready"));
            if (!File.Exists(_bus))
            {
                Bus.Create(_bus, exclusive: true);
                _ipc.AddKeyFile(_bus);
            }
            CliProcess bridge = Bridge("--server", server.Url, "--subject", "s", "--direction", direction);
            WaitUntilReady(bridge);
            Bus.Remove(_bus);
            RunResult result = bridge.WaitForExit(TimeSpan.FromSeconds(60));
            Assert.True(result.ExitCode == 1, $"{direction}: {result}");
            Assert.Contains("removed", result.Stderr, StringComparison.Ordinal);
            Assert.Single(result.Stderr.TrimEnd('\n').Split('\n'));
        }
    }

    [Fact]
    public void A_direction_that_is_not_out_in_or_both_is_one_plain_line()
    {
        RunResult result = Own(CliProcess.Bus(["bridge", _bus, "--server", "nats://127.0.0.1:1", "--subject", "s", "--direction", "sideways"], null, null)).WaitForExit();
        Assert.Equal(2, result.ExitCode);
        Assert.Single(result.Stderr.TrimEnd('\n').Split('\n'));
        Assert.Contains("--direction: 'sideways' is not out, in or both", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("\\t", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("\t", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void SIGUSR1_prints_the_counters_of_a_bridge_still_connecting_and_a_fully_qualified_host_name_is_a_durable_name()
    {
        // Issue 26: SIGUSR1 killed a bridge that was still connecting (exit 138); --durable "$(hostname)" exited 2 for a dotted name.
        CliProcess bridge = Bridge("--server", $"nats://127.0.0.1:{NatsServer.FreePort()}", "--subject", "s", "--durable", "node1.example.org");
        bridge.WaitFor((_, e) => e.Contains("retrying", StringComparison.Ordinal), "the 'cannot reach' line", TimeSpan.FromSeconds(60));

        bridge.Signal(10); // SIGUSR1

        bridge.WaitFor((o, _) => o.Contains("forwarded-out 0 forwarded-in 0 dropped 0 rejected 0 redelivered 0 reconnects 0 holds 0\n", StringComparison.Ordinal), "the counters");
        Assert.False(bridge.HasExited, bridge.Stderr);
        bridge.Signal(Proc.SIGTERM);
        Assert.Equal(128 + 15, bridge.WaitForExit(TimeSpan.FromSeconds(30)).ExitCode);
    }

    [NatsFact]
    public void A_second_bridge_on_the_same_bus_ends_with_one_line_instead_of_looping()
    {
        // Issue 22, N10.
        var server = Own(NatsServer.Start());
        var bridges = new List<CliProcess>();
        foreach (string name in new[] { "first", "second" })
        {
            string ready = Path.Combine(_directory, name + ".ready");
            CliProcess bridge = Own(CliProcess.Bus(["bridge", _bus, "--ready-file", ready, "--server", server.Url, "--subject", "s"], null, null));
            _ipc.AddProcess(bridge.Id);
            Eventually.True(() => File.Exists(ready) || bridge.HasExited, $"the {name} bridge to be ready ({bridge.Stderr})", TimeSpan.FromSeconds(60));
            bridges.Add(bridge);
        }
        using (var bus = Bus.Open(_bus)) bus.Broadcast("0 once", TimeSpan.FromSeconds(30));

        Eventually.True(() => bridges.Any(b => b.HasExited), "a bridge to see the other and end", TimeSpan.FromSeconds(60));
        CliProcess ended = bridges.First(b => b.HasExited);
        RunResult result = ended.WaitForExit(TimeSpan.FromSeconds(30));
        Assert.Equal(1, result.ExitCode);
        Assert.Single(result.Stderr.TrimEnd('\n').Split('\n'));
        Assert.Contains("another bridge", result.Stderr, StringComparison.Ordinal);
        foreach (CliProcess bridge in bridges.Where(b => !b.HasExited))
        {
            bridge.Signal(Proc.SIGTERM);
            bridge.WaitForExit(TimeSpan.FromSeconds(30));
        }
    }

    [NatsFact]
    public void Durable_against_a_server_without_JetStream_is_one_line_and_status_1()
    {
        var server = Own(NatsServer.Start(jetStream: false));
        CliProcess bridge = Bridge("--server", server.Url, "--subject", "s", "--durable", "node-a");
        RunResult result = bridge.WaitForExit(TimeSpan.FromSeconds(60));
        Assert.Equal(1, result.ExitCode);
        Assert.Single(result.Stderr.TrimEnd('\n').Split('\n'));
        Assert.Contains("has no JetStream", result.Stderr, StringComparison.Ordinal);
    }

    [NatsFact]
    public async Task Rejected_messages_are_reported_on_stderr_and_counted()
    {
        var server = Own(NatsServer.Start());
        CliProcess bridge = Bridge("--server", server.Url, "--subject", "s", "--direction", "in");
        WaitUntilReady(bridge);
        await using (var peer = new NATS.Client.Core.NatsConnection(NATS.Client.Core.NatsOpts.Default with { Url = server.Url }))
        {
            await peer.PublishAsync("s", new byte[5000]).AsTask().WaitAsync(TimeSpan.FromSeconds(20));
            await peer.PublishAsync("s", "0 a\0b"u8.ToArray()).AsTask().WaitAsync(TimeSpan.FromSeconds(20));
            await peer.PingAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(20)); // the server has them all
        }
        bridge.WaitFor((_, e) => e.Contains("rejected", StringComparison.Ordinal), "the rejection line", TimeSpan.FromSeconds(60));
        bridge.Signal(Proc.SIGTERM);
        RunResult result = bridge.WaitForExit(TimeSpan.FromSeconds(30));
        Assert.Equal(128 + 15, result.ExitCode);
        // The counters as it ends; the two rejections on stderr (in one line or two, by when they arrived).
        Assert.Contains("rejected 2 redelivered 0", result.Stdout, StringComparison.Ordinal);
        Assert.All(result.Stderr.TrimEnd('\n').Split('\n'), l => Assert.StartsWith("bus: ", l, StringComparison.Ordinal));
        Assert.Contains("over 2047 bytes", result.Stderr, StringComparison.Ordinal);
    }

    [NatsFact]
    public void A_durable_bridge_says_once_on_stderr_that_it_holds_local_broadcasters_and_once_when_it_stops()
    {
        // Issue 26: with NATS confirming no publish, a durable bridge held local broadcasters (by design) with no word.
        var server = Own(NatsServer.Start(jetStream: true));
        CliProcess bridge = Bridge("--server", server.Url, "--subject", "s.hold", "--durable", "node-a", "--direction", "out");
        WaitUntilReady(bridge);
        server.Kill();
        // One being published, 4096 in the out buffer (the command's size), one copied by the bridge's
        // listener, which then holds the bus: the next broadcast would wait.
        const int Held = 1 + 4096 + 1;
        using var bus = Bus.Open(_bus);
        var sending = Task.Run(() =>
        {
            for (int i = 0; i < Held; i++) bus.Broadcast($"0 m{i}", TimeSpan.FromSeconds(120));
        });
        Eventually.Done(sending, TimeSpan.FromSeconds(120), "the broadcasts up to the held one");
        string shown = System.Text.RegularExpressions.Regex.Escape("bus: " + _bus + ": ");
        string start = shown + $@"holding local broadcasters: NATS has confirmed no publish for \d+\.\d s, {Held} messages waiting\n";
        string end = shown + $@"stopped holding local broadcasters after \d+\.\d s; {Held} messages waited\n";

        bridge.WaitFor((_, e) => e.Contains("holding", StringComparison.Ordinal), "the hold line", TimeSpan.FromSeconds(60));
        // Held: a broadcast now waits (and, timed out, sends nothing: no message after the held one).
        Assert.Throws<BusTimeoutException>(() => bus.Broadcast("0 late", TimeSpan.FromSeconds(1)));
        Assert.Matches("^" + start + "$", bridge.Stderr);
        bridge.Signal(10); // SIGUSR1: the counters count the hold
        bridge.WaitFor((o, _) => o.EndsWith(" dropped 0 rejected 0 redelivered 0 reconnects 0 holds 1\n", StringComparison.Ordinal), "the counters");

        server.Restart();
        bridge.WaitFor((_, e) => e.Contains("stopped holding", StringComparison.Ordinal), "the end line", TimeSpan.FromSeconds(60));
        bridge.Signal(Proc.SIGTERM);
        RunResult result = bridge.WaitForExit(TimeSpan.FromSeconds(30));
        Assert.Equal(128 + 15, result.ExitCode);
        Assert.Matches("^" + start + end + "$", result.Stderr);
        Assert.EndsWith(" holds 1\n", result.Stdout, StringComparison.Ordinal);
    }

    [NatsFact]
    public async Task Behind_a_stopped_listener_the_in_side_stays_bounded_in_memory()
    {
        // Issue 26: 300 messages of 1 MB while a listener was stopped took the bridge from 17 to 328 MB.
        var server = Own(NatsServer.Start());
        CliProcess listener = Own(CliProcess.Bus(["listen", _bus, "--ready"], null, null));
        _ipc.AddProcess(listener.Id);
        listener.WaitUntilListening();
        CliProcess bridge = Bridge("--server", server.Url, "--subject", "s", "--direction", "in");
        WaitUntilReady(bridge);
        listener.Signal(Proc.SIGSTOP); // holds the bridge's first broadcast: everything else waits or is dropped
        try
        {
            await using (var peer = new NATS.Client.Core.NatsConnection(NATS.Client.Core.NatsOpts.Default with { Url = server.Url }))
            {
                byte[] big = new byte[1 << 20], small = new byte[2000];
                Array.Fill(small, (byte)'x');
                for (int i = 0; i < 300; i++) await peer.PublishAsync("s", big).AsTask().WaitAsync(TimeSpan.FromSeconds(20));
                for (int i = 0; i < 3000; i++) await peer.PublishAsync("s", small).AsTask().WaitAsync(TimeSpan.FromSeconds(20));
                await peer.PingAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(20));
            }
            // All read: 300 rejected; of the 3000, one in its broadcast, at most 1024 waiting, the rest dropped.
            Eventually.True(() =>
            {
                bridge.Signal(10); // SIGUSR1
                Thread.Sleep(200);
                string last = bridge.Stdout.TrimEnd('\n').Split('\n')[^1];
                string[] f = last.Split(' ');
                return f.Length == 14 && f[7] == "300" && long.Parse(f[5]) >= 3000 - 1 - 1024;
            }, $"the bridge to have read everything ({bridge.Stdout.TrimEnd('\n').Split('\n')[^1]})", TimeSpan.FromSeconds(60));
            long rss = ResidentKiB(bridge.Id);
            Assert.True(rss < 200 * 1024, $"the bridge holds {rss / 1024} MiB");
        }
        finally
        {
            listener.Signal(Proc.SIGCONT);
        }
        bridge.Signal(Proc.SIGTERM);
        Assert.Equal(128 + 15, bridge.WaitForExit(TimeSpan.FromSeconds(30)).ExitCode);
    }

    private static long ResidentKiB(int pid)
        => long.Parse(File.ReadAllLines($"/proc/{pid}/status").Single(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);

    [Theory]
    [InlineData(Proc.SIGTERM)]
    [InlineData(Proc.SIGINT)]
    public void A_stop_signal_ends_a_bridge_blocked_opening_its_password_FIFO(int signal)
    {
        // Issue 22, N7: opening a FIFO blocks until a writer comes; the stop signals must still stop the bridge.
        string fifo = Path.Combine(_directory, $"password-{signal}");
        Proc.Mkfifo(fifo);
        CliProcess bridge = Bridge("--server", "nats://127.0.0.1:1", "--subject", "s", "--user", "alice", "--password-file", fifo);
        Eventually.True(() => bridge.HasExited || BlockedOpeningFifo(bridge.Id), "the bridge to block opening its password FIFO", TimeSpan.FromSeconds(60));
        Assert.False(bridge.HasExited, bridge.Stderr);

        bridge.Signal(signal);

        RunResult result = bridge.WaitForExit(TimeSpan.FromSeconds(30));
        Assert.Equal(128 + signal, result.ExitCode);
        Assert.Equal("", result.Stderr);
    }

    /// <summary>True while a thread of <paramref name="pid"/> waits in the kernel for a FIFO's other end.</summary>
    private static bool BlockedOpeningFifo(int pid)
    {
        try
        {
            return Directory.EnumerateDirectories($"/proc/{pid}/task").Any(task =>
            {
                try { return File.ReadAllText(Path.Combine(task, "wchan")) == "wait_for_partner"; }
                catch (IOException) { return false; }
            });
        }
        catch (IOException)
        {
            return false;
        }
    }

    [Theory]
    [InlineData("--server", "localhost:4222", "bad NATS server URL 'localhost:4222'")]
    [InlineData("--server", "nats://bob:hunter2@127.0.0.1:1/x", "nats://***@127.0.0.1:1/x")]
    [InlineData("--subject", "a.>", "bad NATS subject 'a.>'")]
    [InlineData("--durable", "no/slash", "bad durable name 'no/slash'")]
    public void Bad_values_are_one_line_errors_with_status_2(string option, string value, string expected)
    {
        string[] arguments = option == "--server" ? ["--server", value, "--subject", "s"]
            : ["--server", "nats://127.0.0.1:1", "--subject", option == "--subject" ? value : "s", .. option == "--durable" ? new[] { option, value } : []];
        RunResult result = Own(CliProcess.Bus(["bridge", _bus, .. arguments], null, null)).WaitForExit();
        Assert.Equal(2, result.ExitCode);
        Assert.Single(result.Stderr.TrimEnd('\n').Split('\n'));
        Assert.Contains(expected, result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", result.Stderr, StringComparison.Ordinal);
    }
}
