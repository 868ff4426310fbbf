using LibBus.Nats.Tests.Infrastructure;

namespace LibBus.Nats.Tests;

/// <summary>
/// The <c>bus bridge</c> command between "machines": each node is a shell in its own IPC
/// namespace (<c>unshare --ipc</c>, root) with its own bus, a <c>bus listen</c> and a
/// <c>bus bridge</c>, broadcasting the lines written to its stdin. Only NATS on 127.0.0.1
/// connects them.
/// </summary>
public sealed class CliNodeTests : IDisposable
{
    private const string NodeScript = """
        set -u
        bus=$1; dir=$2; shift 2
        "$bus" create "$dir/bus" || exit 1
        "$bus" listen "$dir/bus" --ready-file "$dir/listen.ready" > "$dir/received" &
        listener=$!
        "$bus" bridge "$dir/bus" --ready-file "$dir/bridge.ready" "$@" > "$dir/stats" 2> "$dir/bridge.err" &
        bridge=$!
        while IFS= read -r line; do "$bus" broadcast "$dir/bus" "$line"; done
        kill -USR1 $bridge; sleep 0.5
        kill -TERM $bridge; wait $bridge; echo $? > "$dir/bridge.exit"
        kill -TERM $listener; wait $listener
        "$bus" remove "$dir/bus"
        """;

    private readonly string _directory = Directory.CreateTempSubdirectory("libbus-nats-cli-").FullName;
    private readonly TestResources _resources = new();

    public CliNodeTests() => _resources.Defer(() => Directory.Delete(_directory, recursive: true));

    /// <summary>Stops the nodes and servers; each node's IPC objects die with its namespace.</summary>
    public void Dispose() => _resources.Dispose();

    private sealed class CliNode(string name, string directory, CliProcess shell) : IDisposable
    {
        public string Name => name;
        public string Directory => directory;

        public string[] Received => File.Exists(Path.Combine(directory, "received"))
            ? File.ReadAllLines(Path.Combine(directory, "received"))
            : [];

        public void Broadcast(string message)
        {
            shell.Stdin.WriteLine(message);
            shell.Stdin.Flush();
        }

        public string[] WaitForMessages(int count)
        {
            Eventually.True(() => Received.Length >= count, $"node {name}: {count} messages (has {Received.Length}; bridge: {File.ReadAllText(Path.Combine(directory, "bridge.err"))})", TimeSpan.FromSeconds(60));
            return Received;
        }

        /// <summary>Ends the node: the bridge gets SIGUSR1 then SIGTERM; returns its exit status, counters and stderr.</summary>
        public (int Exit, string Stats, string Errors) Stop()
        {
            shell.Stdin.Close();
            RunResult result = shell.WaitForExit(TimeSpan.FromSeconds(60));
            Assert.True(result.ExitCode == 0, $"node {name}: {result}");
            return (int.Parse(File.ReadAllText(Path.Combine(directory, "bridge.exit"))),
                    File.ReadAllText(Path.Combine(directory, "stats")),
                    File.ReadAllText(Path.Combine(directory, "bridge.err")));
        }

        public void Dispose() => shell.Dispose();
    }

    private CliNode StartNode(string name, params string[] bridgeArguments)
    {
        string directory = Path.Combine(_directory, name);
        System.IO.Directory.CreateDirectory(directory);
        string script = Path.Combine(_directory, "node.sh");
        File.WriteAllText(script, NodeScript);
        // A private IPC namespace: this node's bus exists for no other node.
        var shell = CliProcess.Shell(
            $"exec unshare --ipc -- sh {script} {BusCommand.Path} {directory} " + string.Join(' ', bridgeArguments.Select(a => $"'{a}'")));
        var node = new CliNode(name, directory, shell);
        _resources.Own(node);
        Eventually.True(() => File.Exists(Path.Combine(directory, "listen.ready")) && File.Exists(Path.Combine(directory, "bridge.ready")),
            $"node {name}: listener and bridge ready (bridge: {ReadOrEmpty(Path.Combine(directory, "bridge.err"))})", TimeSpan.FromSeconds(60));
        return node;
    }

    private static string ReadOrEmpty(string file) => File.Exists(file) ? File.ReadAllText(file) : "";

    [NatsNodesFact]
    public void Two_nodes_in_separate_IPC_namespaces_exchange_messages_exactly_once_through_bus_bridge()
    {
        var server = NatsServer.Start();
        _resources.Own(server);
        string[] bridge = ["--server", server.Url, "--subject", "cli.two"];
        CliNode a = StartNode("a", bridge);
        CliNode b = StartNode("b", bridge);

        string[] fromA = Enumerable.Range(0, 10).Select(i => $"1 a{i}").ToArray();
        string[] fromB = Enumerable.Range(0, 10).Select(i => $"2 b{i}").ToArray();
        foreach (string m in fromA) a.Broadcast(m);
        foreach (string m in fromB) b.Broadcast(m);

        a.WaitForMessages(20);
        b.WaitForMessages(20);
        Thread.Sleep(TimeSpan.FromSeconds(1)); // time for a loop or an echo to show
        foreach (CliNode node in new[] { a, b })
        {
            Assert.Equal(fromA, node.Received.Where(m => m.StartsWith("1 ", StringComparison.Ordinal)));
            Assert.Equal(fromB, node.Received.Where(m => m.StartsWith("2 ", StringComparison.Ordinal)));
            Assert.Equal(20, node.Received.Length);
            (int exit, string stats, string errors) = node.Stop();
            Assert.Equal(128 + 15, exit);
            Assert.Equal("", errors);
            // Once for SIGUSR1, once as it ends.
            Assert.Equal(["forwarded-out 10 forwarded-in 10 dropped 0 rejected 0 redelivered 0 reconnects 0 holds 0",
                          "forwarded-out 10 forwarded-in 10 dropped 0 rejected 0 redelivered 0 reconnects 0 holds 0"], stats.Trim().Split('\n'));
        }
    }

    [NatsNodesFact]
    public void The_README_two_node_example_delivers_its_message_once()
    {
        // Issue 26: without a readiness step, pasted as a script, it lost its one message in 2 of 5 runs.
        var server = NatsServer.Start();
        _resources.Own(server);
        string readme = File.ReadAllText(Path.Combine(BusCommand.RepoRoot, "README.md"));
        int section = readme.IndexOf("## Across machines: `bus bridge`", StringComparison.Ordinal);
        int start = readme.IndexOf("```sh\n", section, StringComparison.Ordinal) + "```sh\n".Length;
        string[] lines = readme[start..readme.IndexOf("```", start, StringComparison.Ordinal)].Split('\n', StringSplitOptions.RemoveEmptyEntries);
        // Each machine a shell in its own IPC namespace, its /run/app a directory of its own, 'bus' the command under test.
        var shells = new Dictionary<string, CliProcess>();
        _resources.Defer(() => KillProcessesUsing(_directory)); // if a step failed, the shells' jobs still run
        foreach (string host in new[] { "alpha", "beta" })
        {
            Directory.CreateDirectory(Path.Combine(_directory, host));
            CliProcess shell = CliProcess.Shell("exec unshare --ipc -- sh -s");
            _resources.Defer(shell.Dispose);
            shell.Stdin.WriteLine("bus() { \"$BUS\" \"$@\"; }");
            shells[host] = shell;
        }
        int step = 0;
        foreach (string line in lines)
        {
            var m = System.Text.RegularExpressions.Regex.Match(line, @"^(alpha|beta)\$\s+(.*?)(\s{2,}#.*)?$");
            Assert.True(m.Success, $"README line '{line}' is not 'alpha$ ...' or 'beta$ ...'");
            string command = m.Groups[2].Value.Replace("/run/app", Path.Combine(_directory, m.Groups[1].Value), StringComparison.Ordinal)
                .Replace("nats://hub:4222", server.Url, StringComparison.Ordinal);
            CliProcess shell = shells[m.Groups[1].Value];
            // One step at a time, as someone typing: each line has ended (a 'read' has its line) before the next.
            shell.Stdin.WriteLine(command);
            shell.Stdin.WriteLine($"echo \"step {++step} $?\"");
            if (command.EndsWith('&')) shell.Stdin.WriteLine("jobs=\"$jobs $!\""); // stopped at the end
            shell.Stdin.Flush();
            int current = step;
            shell.WaitFor((o, _) => o.Contains($"step {current} ", StringComparison.Ordinal), $"README line '{line}'", TimeSpan.FromSeconds(60));
            Assert.Contains($"step {current} 0\n", shell.Stdout, StringComparison.Ordinal);
        }

        shells["beta"].WaitFor((o, _) => o.Contains(" deployed\n", StringComparison.Ordinal), "beta's listener to print the message", TimeSpan.FromSeconds(60));
        Thread.Sleep(TimeSpan.FromSeconds(1)); // time for a copy too many to show
        foreach (CliProcess shell in shells.Values)
        {
            shell.Stdin.WriteLine("kill $jobs; wait; exit 0");
            shell.Stdin.Flush();
            Assert.Equal(0, shell.WaitForExit(TimeSpan.FromSeconds(60)).ExitCode);
        }
        Assert.Single(shells["beta"].Stdout.Split('\n'), l => l.EndsWith(" deployed", StringComparison.Ordinal));
        Assert.DoesNotContain(" deployed", shells["alpha"].Stdout, StringComparison.Ordinal);
    }

    /// <summary>SIGKILLs, by pid, every process whose command line names a path under <paramref name="directory"/>.</summary>
    private static void KillProcessesUsing(string directory)
    {
        foreach (string proc in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(proc), out int pid) || pid == Environment.ProcessId) continue;
            string commandLine;
            try { commandLine = File.ReadAllText(Path.Combine(proc, "cmdline")); }
            catch (IOException) { continue; }
            if (!commandLine.Contains(directory + "/", StringComparison.Ordinal)) continue;
            try { Proc.Kill(pid, Proc.SIGKILL); }
            catch (InvalidOperationException) { } // gone meanwhile
        }
    }

    [NatsNodesFact]
    public void A_durable_cli_bridge_restarted_mid_stream_catches_up()
    {
        var server = NatsServer.Start(jetStream: true);
        _resources.Own(server);
        CliNode a = StartNode("a", "--server", server.Url, "--subject", "cli.durable", "--durable", "node-a");
        CliNode b = StartNode("b", "--server", server.Url, "--subject", "cli.durable", "--direction", "in", "--durable", "node-b");
        a.Broadcast("0 one");
        b.WaitForMessages(1);

        (int exit, _, _) = b.Stop(); // b's bridge, listener and bus go; its durable consumer stays
        Assert.Equal(143, exit);
        a.Broadcast("0 two");
        a.Broadcast("0 three");
        Eventually.True(() => a.Received.Length == 3, "a to have its three messages");
        File.Delete(Path.Combine(b.Directory, "listen.ready"));
        File.Delete(Path.Combine(b.Directory, "bridge.ready"));
        CliNode b2 = StartNode("b", "--server", server.Url, "--subject", "cli.durable", "--direction", "in", "--durable", "node-b");

        Assert.Equal(["0 two", "0 three"], b2.WaitForMessages(2));
        Thread.Sleep(TimeSpan.FromSeconds(1));
        Assert.Equal(2, b2.Received.Length);
    }
}
