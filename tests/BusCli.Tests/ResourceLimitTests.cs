using BusCli.Tests.Infrastructure;

namespace BusCli.Tests;

/// <summary>
/// Issue 22, N5: at a resource limit (ulimit -n, -u, -v) the command either does its work or
/// says in one line what is missing, with status 1; never a stack trace, never a silent
/// failure, never lost output. Each case runs the real binary under <c>prlimit</c> (util-linux).
/// These run against the Native AOT binary, the one users install (test.sh passes it as
/// <c>BUS_CLI</c>): the JIT build's runtime alone needs dozens of descriptors and threads before
/// <c>Main</c>, and fails in its own words below that (bus(1), "RESOURCE LIMITS").
/// </summary>
public sealed class ResourceLimitTests : IDisposable
{
    /// <summary>A user id that nothing else on the machine runs as, so that its process count (ulimit -u) is the test's alone.</summary>
    private const int LoneUid = 61_022;

    private readonly CliSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    private RunResult Limited(string limit, params string[] arguments)
    {
        using CliProcess shell = _sandbox.Shell(
            $"exec prlimit {limit} {Nobody.Quote(BusCommand.Path)} {string.Join(' ', arguments.Select(Nobody.Quote))}");
        shell.Stdin.Close();
        return shell.WaitForExit();
    }

    /// <summary>
    /// Under <c>ulimit -v</c> of <paramref name="bytes"/>. Below about 200 MB the .NET runtime's own
    /// start is a race it may lose before <c>bus</c> runs (bus(1), RESOURCE LIMITS): its GC reserves
    /// half the limit while a thread it started before reserves a 64 MB malloc arena, and if the
    /// arena comes first the GC cannot reserve, and the runtime ends with status 255 and no word
    /// (once in CI at 120 MB; 1 start in 300 here, 1 in 17 under strace). That ending, and only it, is run
    /// again, up to three times: three in a row would be no race.
    /// </summary>
    private RunResult LimitedAddressSpace(long bytes, params string[] arguments)
    {
        RunResult result = Limited($"--as={bytes}", arguments);
        for (int again = 0; again < 2 && result is { ExitCode: 255, Stdout: "", Stderr: "" }; again++)
            result = Limited($"--as={bytes}", arguments);
        return result;
    }

    /// <summary>As <see cref="LoneUid"/>, for ulimit -u (which does not bind root).</summary>
    private RunResult LimitedAsLoneUser(string limit, params string[] arguments)
    {
        using CliProcess shell = _sandbox.Shell(
            $"exec setpriv --reuid={LoneUid} --regid={LoneUid} --clear-groups prlimit {limit} " +
            $"{Nobody.Quote(Nobody.Executable)} {string.Join(' ', arguments.Select(Nobody.Quote))}");
        shell.Stdin.Close();
        return shell.WaitForExit();
    }

    /// <summary>Success with the whole of <paramref name="expected"/> on stdout, or status 1 and one line "bus: ...".</summary>
    private static void AssertDoneOrOneLine(RunResult result, Func<string, bool> expected, string what)
    {
        if (result.ExitCode == 0)
        {
            Assert.True(expected(result.Stdout) && result.Stderr.Length == 0, $"{what}: {result}");
            return;
        }
        Assert.True(result.ExitCode == 1, $"{what}: {result}");
        Assert.True(result.Stdout.Length == 0, $"{what}: {result}");
        Assert.Matches(@"\Abus: [^\n]+\n\z", result.Stderr);
    }

    [NativeAotTheory]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(10)]
    [InlineData(16)]
    public void Few_descriptors_still_give_the_version_and_the_status_or_one_line(int descriptors)
    {
        string bus = _sandbox.CreateBus();
        RunResult version = Limited($"--nofile={descriptors}", "--version");
        Assert.True(version.ExitCode == 0 && version.Stdout == "1.0.0\n" && version.Stderr == "", version.ToString());
        RunResult status = Limited($"--nofile={descriptors}", "status", bus);
        AssertDoneOrOneLine(status, o => o.Contains("state:            alive\n", StringComparison.Ordinal) && o.Contains("broadcasters:", StringComparison.Ordinal), "status");
        RunResult missing = Limited($"--nofile={descriptors}", "status", _sandbox.PathFor("missing"));
        Assert.True(missing.ExitCode == 1 && missing.Stderr.StartsWith("bus: ", StringComparison.Ordinal) && missing.Stderr.Count(c => c == '\n') == 1, missing.ToString());
    }

    [NativeAotFact]
    public void Four_descriptors_are_enough_for_a_broadcast_and_five_for_the_status()
    {
        // fds 0, 1 and 2, and the key file, opened and closed; the parser (any verb but a plain
        // broadcast) hashes strings, for which the runtime keeps one open on /dev/urandom.
        string bus = _sandbox.CreateBus();
        RunResult status = Limited("--nofile=5", "status", bus);
        Assert.True(status.ExitCode == 0 && status.Stdout.Contains("state:            alive\n", StringComparison.Ordinal), status.ToString());
        RunResult broadcast = Limited("--nofile=4", "broadcast", bus, "hello");
        Assert.True(broadcast.ExitCode == 0 && broadcast.Stderr == "", broadcast.ToString());
    }

    [NativeAotFact]
    public void Two_threads_are_enough_for_the_version_and_a_broadcast()
    {
        if (!AsNobody.IsRoot) return;
        // The main thread and the runtime's finalizer; nothing else is started to talk to the caller.
        RunResult version = LimitedAsLoneUser("--nproc=2", "--version");
        Assert.True(version.ExitCode == 0 && version.Stdout == "1.0.0\n" && version.Stderr == "", version.ToString());
        string bus = _sandbox.CreateBus();
        Assert.Equal(0, _sandbox.Run("chmod", "+o", bus).ExitCode);
        AsNobody.MakeSearchable(_sandbox.Directory);
        RunResult broadcast = LimitedAsLoneUser("--nproc=2", "broadcast", bus, "hello");
        Assert.True(broadcast.ExitCode == 0 && broadcast.Stderr == "", broadcast.ToString());
    }

    [NativeAotFact]
    public void A_verb_that_needs_a_thread_it_cannot_have_says_so_in_one_line()
    {
        if (!AsNobody.IsRoot) return;
        // listen handles SIGINT, SIGTERM and SIGHUP on a thread of the runtime's.
        string bus = _sandbox.CreateBus();
        Assert.Equal(0, _sandbox.Run("chmod", "+o", bus).ExitCode);
        AsNobody.MakeSearchable(_sandbox.Directory);
        RunResult listen = LimitedAsLoneUser("--nproc=2", "listen", bus);
        Assert.Equal(1, listen.ExitCode);
        Assert.Equal("", listen.Stdout);
        Assert.Equal("bus: cannot handle signals: the runtime cannot start its signal thread (see ulimit -u)\n", listen.Stderr);
        Assert.Equal((0, 0), (CliSandbox.SemaphoreValues(bus).S, CliSandbox.SemaphoreValues(bus).W));
    }

    [NativeAotFact]
    public void A_thread_of_the_commands_own_that_cannot_be_started_is_named_in_one_line()
    {
        if (!AsNobody.IsRoot) return;
        // Three threads: the main one, the finalizer and the runtime's signal thread; listen's
        // stdout watcher would be the fourth.
        string bus = _sandbox.CreateBus();
        Assert.Equal(0, _sandbox.Run("chmod", "+o", bus).ExitCode);
        AsNobody.MakeSearchable(_sandbox.Directory);
        RunResult listen = LimitedAsLoneUser("--nproc=3", "listen", bus);
        Assert.Equal(1, listen.ExitCode);
        Assert.Equal("", listen.Stdout);
        Assert.Equal($"bus: {bus}: cannot start the stdout watcher thread (see ulimit -u and ulimit -v)\n", listen.Stderr);
        Assert.Equal((0, 0), (CliSandbox.SemaphoreValues(bus).S, CliSandbox.SemaphoreValues(bus).W));
    }

    [NativeAotTheory]
    [InlineData(60_000_000)]
    [InlineData(65_000_000)]
    [InlineData(80_000_000)]
    [InlineData(120_000_000)]
    public void Little_address_space_gives_the_version_or_one_line(long bytes)
    {
        RunResult version = LimitedAddressSpace(bytes, "--version");
        AssertDoneOrOneLine(version, o => o == "1.0.0\n", "--version");
        string bus = _sandbox.CreateBus();
        RunResult status = LimitedAddressSpace(bytes, "status", bus);
        AssertDoneOrOneLine(status, o => o.Contains("state:            alive\n", StringComparison.Ordinal), "status");
    }
}

/// <summary>A fact about the Native AOT binary: skipped when the binary under test is the JIT build.</summary>
public sealed class NativeAotFactAttribute : FactAttribute
{
    public NativeAotFactAttribute()
    {
        if (!BusCommand.IsNativeAot) Skip = "about the Native AOT binary: run with BUS_CLI set to it (test.sh does)";
    }
}

/// <summary>A theory about the Native AOT binary: skipped when the binary under test is the JIT build.</summary>
public sealed class NativeAotTheoryAttribute : TheoryAttribute
{
    public NativeAotTheoryAttribute()
    {
        if (!BusCommand.IsNativeAot) Skip = "about the Native AOT binary: run with BUS_CLI set to it (test.sh does)";
    }
}
