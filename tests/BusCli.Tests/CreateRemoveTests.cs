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
    public void Create_without_a_path_prints_a_random_path_under_XDG_RUNTIME_DIR()
    {
        string runtime = _sandbox.PathFor("runtime");
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
