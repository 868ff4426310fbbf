using BusCli.Tests.Infrastructure;

namespace BusCli.Tests;

public sealed class PermissionTests : IDisposable
{
    private readonly CliSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    private static (IpcObject Semaphores, IpcObject Segment) Objects(string bus)
    {
        int[] keys = File.ReadLines(bus).Take(2).Select(int.Parse).ToArray();
        return (IpcTable.Semaphores().Single(o => o.Key == keys[0]), IpcTable.Segments().Single(o => o.Key == keys[1]));
    }

    private static int FileMode(string path) => (int)File.GetUnixFileMode(path);

    [Theory]
    [InlineData("600", "600", 0x180, 0x180)]
    [InlineData("640", "600", 0x1B0, 0x1A0)]
    [InlineData("004", "600", 0x6, 0x4)]
    [InlineData("ug", "600", 0x1B0, 0x1A0)]
    [InlineData("+o", "660", 0x1B6, 0x1A4)]
    [InlineData("-g", "666", 0x186, 0x184)]
    [InlineData("u+g", "606", 0x1B0, 0x1A0)]
    public void Chmod_changes_the_key_file_and_both_objects(string mode, string start, int ipcMode, int fileMode)
    {
        string bus = _sandbox.CreateBus();
        Assert.Equal(0, _sandbox.Run("chmod", start, bus).ExitCode);
        RunResult result = _sandbox.Run("chmod", mode, bus);
        Assert.True(result.ExitCode == 0, result.ToString());
        var (semaphores, segment) = Objects(bus);
        Assert.Equal(Convert.ToString(ipcMode, 8), Convert.ToString(semaphores.Mode, 8));
        Assert.Equal(Convert.ToString(ipcMode, 8), Convert.ToString(segment.Mode, 8));
        Assert.Equal(Convert.ToString(fileMode, 8), Convert.ToString(FileMode(bus), 8));
    }

    [Fact]
    public void Chown_and_chgrp_change_the_key_file_and_both_objects_by_name_or_number()
    {
        string bus = _sandbox.CreateBus();
        Assert.Equal(0, _sandbox.Run("chown", "65534:65534", bus).ExitCode);
        AssertOwner(bus, 65534, 65534);

        Assert.Equal(0, _sandbox.Run("chown", "root", bus).ExitCode);
        AssertOwner(bus, 0, 65534);

        Assert.Equal(0, _sandbox.Run("chgrp", "root", bus).ExitCode);
        AssertOwner(bus, 0, 0);

        Assert.Equal(0, _sandbox.Run("chown", "nobody:", bus).ExitCode); // the login group
        AssertOwner(bus, 65534, 65534);

        Assert.Equal(0, _sandbox.Run("chown", ":0", bus).ExitCode);
        AssertOwner(bus, 65534, 0);

        Assert.Equal(0, _sandbox.Run("chgrp", "65534", bus).ExitCode);
        AssertOwner(bus, 65534, 65534);
    }

    [Fact]
    public void Unknown_users_and_groups_fail_with_exit_1()
    {
        string bus = _sandbox.CreateBus();
        RunResult user = _sandbox.Run("chown", "no-such-user-xyz", bus);
        Assert.Equal(1, user.ExitCode);
        Assert.Equal($"bus: {bus}: no-such-user-xyz: no such user\n", user.Stderr);
        RunResult group = _sandbox.Run("chgrp", "no-such-group-xyz", bus);
        Assert.Equal(1, group.ExitCode);
        Assert.Equal($"bus: {bus}: no-such-group-xyz: no such group\n", group.Stderr);
    }

    private static void AssertOwner(string bus, uint uid, uint gid)
    {
        var (semaphores, segment) = Objects(bus);
        Assert.Equal((uid, gid), (semaphores.Uid, semaphores.Gid));
        Assert.Equal((uid, gid), (segment.Uid, segment.Gid));
        Assert.Equal(0, Mono.Unix.Native.Syscall.stat(bus, out var stat));
        Assert.Equal((uid, gid), (stat.st_uid, stat.st_gid));
    }
}
