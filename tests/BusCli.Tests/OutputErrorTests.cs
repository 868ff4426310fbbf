using BusCli.Tests.Infrastructure;

namespace BusCli.Tests;

/// <summary>
/// Issue 22, "never lost": output that cannot be written is an error, never a quiet success.
/// Only a reader that went away (EPIPE) ends a verb quietly; any other write error (a full
/// device, a full file system) is one line, <c>bus: standard output: WHY</c>, and status 1.
/// </summary>
public sealed class OutputErrorTests : IDisposable
{
    private const string NoSpace = "bus: standard output: No space left on device\n";

    private readonly CliSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    /// <summary>Broadcasts with a generous bound: a delivery that no listener acknowledged would time out (exit 4).</summary>
    private void Broadcast(string bus, string message)
        => Assert.Equal(new RunResult(0, "", ""), _sandbox.Run("broadcast", "--timeout", "20s", bus, message));

    [Theory]
    [InlineData("listen")]
    [InlineData("wait")]
    public void A_listener_whose_output_fails_says_so_and_exits_1(string verb)
    {
        string bus = _sandbox.CreateBus();
        using CliProcess listener = _sandbox.Shell($"exec \"$BUS\" {verb} --ready '{bus}' > /dev/full");
        listener.WaitUntilListening();
        Broadcast(bus, "1 lost");
        RunResult result = listener.WaitForExit();
        Assert.Equal(new RunResult(1, "", $"bus: {bus}: listening\n{NoSpace}"), result);
        CliSandbox.WaitUntilNoListeners(bus);
    }

    [Fact]
    public void A_listener_writing_into_a_full_file_system_says_so_and_exits_1()
    {
        string bus = _sandbox.CreateBus();
        string mount = _sandbox.PathFor("small");
        Directory.CreateDirectory(mount);
        // A private mount namespace with a 4 KiB tmpfs: 10 messages of 1 KB do not fit.
        using CliProcess listener = _sandbox.Shell(
            $"exec unshare --mount --propagation private sh -c 'mount -t tmpfs -o size=4k tmpfs \"$0\" && exec \"$BUS\" listen --ready \"$1\" > \"$0/out\"' '{mount}' '{bus}'");
        listener.WaitUntilListening();
        string message = new('x', 1000);
        int sent = 0;
        while (!listener.HasExited && sent < 10)
        {
            // The listener may end between two broadcasts: then nobody is left to wait for.
            Assert.Equal(0, _sandbox.Run("broadcast", "--timeout", "20s", bus, message).ExitCode);
            sent++;
        }
        RunResult result = listener.WaitForExit();
        Assert.Equal(new RunResult(1, "", $"bus: {bus}: listening\n{NoSpace}"), result);
        CliSandbox.WaitUntilNoListeners(bus);
    }

    [Theory]
    [InlineData("status")]
    [InlineData("status --json")]
    [InlineData("list")]
    [InlineData("--help")]
    [InlineData("listen --help")]
    [InlineData("--version")]
    public void A_verb_whose_output_fails_says_so_and_exits_1(string arguments)
    {
        string bus = _sandbox.CreateBus();
        string command = arguments switch
        {
            "status" or "status --json" => $"{arguments} '{bus}'",
            "list" => $"list '{_sandbox.Directory}'",
            _ => arguments,
        };
        using CliProcess process = _sandbox.Shell($"exec \"$BUS\" {command} > /dev/full");
        Assert.Equal(new RunResult(1, "", NoSpace), process.WaitForExit());
    }

    [Fact]
    public void Create_that_cannot_print_the_new_path_removes_the_bus_and_exits_1()
    {
        string runtime = _sandbox.PathFor("runtime");
        Directory.CreateDirectory(runtime);
        using CliProcess process = _sandbox.Shell($"XDG_RUNTIME_DIR='{runtime}' exec \"$BUS\" create > /dev/full");
        Assert.Equal(new RunResult(1, "", NoSpace), process.WaitForExit());
        string created = Path.Combine(runtime, "bus");
        // Left at most: the registry of creates (bus-gc(1)), its record gone with the bus.
        Assert.True(!Directory.Exists(created) || Directory.GetFileSystemEntries(created).All(e => Path.GetFileName(e) == ".registry"),
            "the bus whose path was lost is still there");
        string records = Path.Combine(created, ".registry");
        Assert.True(!Directory.Exists(records) || Directory.GetFileSystemEntries(records).Length == 0, "its record is still there");
    }
}
