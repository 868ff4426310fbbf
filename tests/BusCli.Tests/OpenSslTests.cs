using BusCli.Tests.Infrastructure;
using LibBus.TestSupport;

namespace BusCli.Tests;

/// <summary>
/// Issue 22, N6: only <c>bus bridge</c> talks to a server, so only it may need OpenSSL. Every
/// other verb works on a machine without libssl: here libssl is hidden in a mount namespace of
/// the test's own (<c>unshare --mount</c>, an empty file bind-mounted over each libssl the dynamic
/// loader knows), and an IPC namespace of its own so that nothing it makes outlives it.
/// </summary>
public sealed class OpenSslTests : IDisposable
{
    private readonly CliSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    /// <summary>Hides every libssl that <c>ldconfig -p</c> lists, then runs <paramref name="body"/>; prints "hidden N" first.</summary>
    private static string WithoutLibssl(string directory, string body) => $$"""
        set -u
        d='{{directory}}'
        : > "$d/empty"
        n=0
        for lib in $(ldconfig -p | awk '/libssl[.]so/ {print $NF}' | xargs -r readlink -f | sort -u); do
          mount --bind "$d/empty" "$lib" || exit 1
          [ -s "$lib" ] && exit 1
          n=$((n + 1))
        done
        echo "hidden $n"
        {{body}}
        """;

    private RunResult RunHidden(string body)
    {
        string script = WithoutLibssl(_sandbox.Directory, body);
        using CliProcess shell = _sandbox.Shell($"exec unshare --mount --ipc -- sh -c {Nobody.Quote(script)}");
        shell.Stdin.Close();
        return shell.WaitForExit(TimeSpan.FromSeconds(120));
    }

    [RootFact]
    public void Every_verb_that_talks_to_no_server_works_without_libssl()
    {
        RunResult r = RunHidden("""
            b="$d/bus"
            "$BUS" create "$b"; echo "create $?"
            "$BUS" listen "$b" --ready-file "$d/ready" > "$d/received" & listener=$!
            i=0; while [ ! -e "$d/ready" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
            "$BUS" broadcast "$b" "0 hello"; echo "broadcast $?"
            printf '0 from stdin\n' | "$BUS" broadcast "$b" -; echo "broadcast-stdin $?"
            "$BUS" status "$b" > /dev/null; echo "status $?"
            "$BUS" list "$d" > /dev/null; echo "list $?"
            "$BUS" chmod 600 "$b"; echo "chmod $?"
            "$BUS" run --dir "$d" -- sh -c '"$0" broadcast "$BUS_PATH" "0 run"' "$BUS"; echo "run $?"
            "$BUS" gc "$d"; echo "gc $?"
            kill -TERM $listener; wait $listener
            "$BUS" remove "$b"; echo "remove $?"
            cat "$d/received"
            """);

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.True(r.StdoutLines is [var hidden, ..] && hidden != "hidden 0", $"no libssl was hidden: {r}");
        Assert.Equal(["create 0", "broadcast 0", "broadcast-stdin 0", "status 0", "list 0", "chmod 0", "run 0", "gc 0", "remove 0", "0 hello", "0 from stdin"],
            r.StdoutLines[1..]);
        Assert.DoesNotContain("libssl", r.Stderr, StringComparison.Ordinal);
    }

    [RootFact]
    public void Without_libssl_bus_bridge_says_so_in_one_line()
    {
        RunResult r = RunHidden("""
            "$BUS" create "$d/bus" || exit 1
            "$BUS" bridge "$d/bus" --server nats://127.0.0.1:1 --subject s; echo "bridge $?"
            "$BUS" remove "$d/bus"
            """);

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("bridge 1", r.StdoutLines[^1]);
        Assert.StartsWith("bus: ", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("libssl", r.Stderr, StringComparison.Ordinal);
        Assert.Single(r.Stderr.TrimEnd('\n').Split('\n'));
    }
}
