using BusCli.Tests.Infrastructure;

namespace BusCli.Tests;

public sealed class CreateRemoveTests : IDisposable
{
    private readonly CliSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    [Fact]
    public void Create_writes_a_key_file_naming_a_semaphore_array_and_a_segment()
    {
        string bus = _sandbox.CreateBus();
        string[] keys = File.ReadAllLines(bus);
        Assert.Contains(IpcTable.Semaphores(), o => o.Key == int.Parse(keys[0]) && o.Mode == 0x180);
        Assert.Contains(IpcTable.Segments(), o => o.Key == int.Parse(keys[1]) && o.Mode == 0x180);
    }

    [Fact]
    public void Create_of_an_existing_bus_succeeds_and_exclusive_create_fails()
    {
        string bus = _sandbox.CreateBus();
        string before = File.ReadAllText(bus);
        Assert.Equal(0, _sandbox.Run("create", bus).ExitCode);
        Assert.Equal(before, File.ReadAllText(bus));
        RunResult exclusive = _sandbox.Run("create", "-x", bus);
        Assert.Equal(1, exclusive.ExitCode);
        Assert.Equal($"bus: {bus}: already exists\n", exclusive.Stderr);
    }

    [Fact]
    public void Create_refuses_a_path_that_the_other_verbs_could_not_open_and_takes_the_longest_they_can()
    {
        // Relative to the sandbox, padded with "./": 4,096 bytes is one more than open(2) takes whole.
        static string OfLength(int bytes) => string.Concat(Enumerable.Repeat("./", (bytes - 1) / 2)) + (bytes % 2 == 0 ? "kk" : "k");
        string tooLong = OfLength(4096);
        RunResult refused = _sandbox.Run("create", tooLong);
        Assert.Equal(1, refused.ExitCode);
        Assert.Equal("", refused.Stdout);
        Assert.EndsWith(": path too long: 4096 bytes, at most 4095 (PATH_MAX)\n", refused.Stderr);
        Assert.Single(refused.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_sandbox.Directory));

        string longest = OfLength(4095);
        Assert.Equal(0, _sandbox.Run("create", "-x", longest).ExitCode);
        _sandbox.RememberKeys(_sandbox.PathFor("k"));
        foreach (string[] verb in new[] { new[] { "status", longest }, ["broadcast", longest, "hello"], ["remove", longest] })
        {
            RunResult result = _sandbox.Run(verb);
            Assert.True(result.ExitCode == 0, $"{verb[0]}: {result}");
        }
    }

    [Fact]
    public void Create_without_a_path_prints_a_random_path_under_XDG_RUNTIME_DIR()
    {
        string runtime = _sandbox.PathFor("runtime");
        Directory.CreateDirectory(runtime);
        using CliProcess process = _sandbox.Start(["create"], new Dictionary<string, string> { ["XDG_RUNTIME_DIR"] = runtime });
        RunResult result = process.WaitForExit();
        Assert.Equal(0, result.ExitCode);
        string path = result.Stdout.TrimEnd('\n');
        _sandbox.RememberKeys(path);
        Assert.Matches(@"/bus/random\.[0-9a-zA-Z]{30}$", path);
        Assert.StartsWith(runtime, path);
        Assert.Equal(0, _sandbox.Run("remove", path).ExitCode);
    }

    [Fact]
    public void Create_without_a_path_never_makes_a_missing_XDG_RUNTIME_DIR_only_its_bus_directory()
    {
        // The login manager makes $XDG_RUNTIME_DIR (the user's, mode 0700); bus must not make it, nor its parents.
        string runtime = _sandbox.PathFor("deep/er/runtime");
        using CliProcess process = _sandbox.Start(["create"], new Dictionary<string, string> { ["XDG_RUNTIME_DIR"] = runtime });
        RunResult result = process.WaitForExit();
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("", result.Stdout);
        Assert.Equal($"bus: XDG_RUNTIME_DIR {runtime}: no such directory (the login manager makes it; bus makes only bus in it) (give a path, as in: bus create ~/mybus)\n", result.Stderr);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_sandbox.Directory));
    }

    [Fact]
    public void Remove_removes_all_three_parts()
    {
        string bus = _sandbox.CreateBus();
        int[] keys = File.ReadLines(bus).Take(2).Select(int.Parse).ToArray();
        RunResult result = _sandbox.Run("remove", bus);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.False(File.Exists(bus));
        Assert.DoesNotContain(IpcTable.Semaphores(), o => o.Key == keys[0]);
        Assert.DoesNotContain(IpcTable.Segments(), o => o.Key == keys[1]);
    }

    [Fact]
    public void Remove_of_a_missing_bus_fails()
    {
        RunResult result = _sandbox.Run("remove", _sandbox.PathFor("nothing"));
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"bus: {_sandbox.PathFor("nothing")}: ", result.Stderr);
    }

    [Fact]
    public void Remove_says_what_it_could_not_remove()
    {
        if (Environment.UserName != "root") return; // needs setpriv to another user
        string bus = _sandbox.CreateBus();
        File.SetUnixFileMode(_sandbox.Directory, (UnixFileMode)0x1ED); // 0755: nobody may look, not unlink
        Assert.Equal(0, _sandbox.Run("chmod", "+o", bus).ExitCode); // let nobody read the key file
        using CliProcess shell = _sandbox.Shell(
            $"exec setpriv --reuid=65534 --regid=65534 --clear-groups \"$BUS\" remove '{bus}'");
        RunResult result = shell.WaitForExit();
        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
            $"bus: {bus}: could not remove the semaphore array: Operation not permitted; " +
            "could not remove the shared memory segment: Operation not permitted; " +
            "could not remove the key file: kept, so that the objects left are not orphaned\n",
            result.Stderr);
        Assert.True(File.Exists(bus));
    }
}
