using BusCli.Tests.Infrastructure;

namespace BusCli.Tests;

/// <summary>
/// <c>bus chmod</c> that locks its caller out (issue 16): a warning on stderr, and the owner can
/// still restore access, although it can no longer read the key file or the objects' status.
/// Run as nobody, since root never loses access.
/// </summary>
public sealed class ChmodAccessTests : IDisposable
{
    private readonly CliSandbox _sandbox = new();

    public ChmodAccessTests()
    {
        // Like /tmp: everyone may create files; only a file's owner may rename or remove it.
        File.SetUnixFileMode(_sandbox.Directory, (UnixFileMode)Convert.ToInt32("1777", 8));
    }

    public void Dispose() => _sandbox.Dispose();

    private string NobodysBus()
    {
        string bus = _sandbox.PathFor("bus");
        RunResult r = Nobody.Run(_sandbox, "create", "-x", bus);
        Assert.True(r.ExitCode == 0, r.ToString());
        _sandbox.RememberKeys(bus);
        return bus;
    }

    /// <summary>"semaphores segment keyfile" modes in octal.</summary>
    private static string Modes(string bus)
    {
        int[] keys = File.ReadLines(bus).Take(2).Select(int.Parse).ToArray();
        IpcObject semaphores = IpcTable.Semaphores().Single(o => o.Key == keys[0]);
        IpcObject segment = IpcTable.Segments().Single(o => o.Key == keys[1]);
        return $"{Convert.ToString(semaphores.Mode, 8)} {Convert.ToString(segment.Mode, 8)} {Convert.ToString((int)File.GetUnixFileMode(bus), 8)}";
    }

    private static string Warning(string bus) =>
        $"bus: {bus}: warning: you can no longer use this bus: the new mode gives its owner (you) no access; " +
        $"to restore it: bus chmod +u {bus}\n";

    [RootTheory]
    [InlineData("o", "+u", "6 6 4", "606 606 604")]
    [InlineData("000", "600", "0 0 0", "600 600 600")]
    [InlineData("g", "u", "60 60 40", "600 600 600")]
    public void An_owner_who_locks_themselves_out_is_warned_and_can_restore_access(string lockOut, string restore, string locked, string restored)
    {
        string bus = NobodysBus();
        Assert.Equal(new RunResult(0, "", ""), Nobody.Run(_sandbox, "chmod", "+o", bus));

        Assert.Equal(new RunResult(0, "", Warning(bus)), Nobody.Run(_sandbox, "chmod", lockOut, bus));
        Assert.Equal(locked, Modes(bus));
        Assert.Equal(1, Nobody.Run(_sandbox, "broadcast", bus, "locked out").ExitCode);

        Assert.Equal(new RunResult(0, "", ""), Nobody.Run(_sandbox, "chmod", restore, bus));
        Assert.Equal(restored, Modes(bus));
        Assert.Equal(new RunResult(0, "", ""), Nobody.Run(_sandbox, "broadcast", bus, "back in"));
    }

    [RootFact]
    public void A_change_that_keeps_the_callers_access_says_nothing()
    {
        string bus = NobodysBus();
        Assert.Equal(new RunResult(0, "", ""), Nobody.Run(_sandbox, "chmod", "u", bus));
        Assert.Equal(new RunResult(0, "", ""), Nobody.Run(_sandbox, "chmod", "-o", bus));
        // Root never loses access.
        Assert.Equal(new RunResult(0, "", ""), _sandbox.Run("chmod", "o", bus));
    }

    [RootFact]
    public void Another_user_still_cannot_change_a_bus_it_may_not_read()
    {
        string bus = _sandbox.CreateBus();
        Assert.Equal(0, _sandbox.Run("chmod", "u", bus).ExitCode);
        RunResult result = Nobody.Run(_sandbox, "chmod", "+o", bus);
        Assert.Equal(new RunResult(1, "", $"bus: {bus}: permission denied reading the key file\n"), result);
        Assert.Equal("600 600 600", Modes(bus));
    }

    [RootFact]
    public void Another_user_cannot_change_a_bus_whose_objects_it_may_not_read()
    {
        string bus = _sandbox.CreateBus();
        // The key file readable by all, the objects not: a bus only root may use.
        Assert.Equal(0, _sandbox.Run("chmod", "u", bus).ExitCode);
        File.SetUnixFileMode(bus, (UnixFileMode)Convert.ToInt32("644", 8));
        RunResult result = Nobody.Run(_sandbox, "chmod", "+o", bus);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("ermission denied", result.Stderr);
        Assert.Equal("600 600 644", Modes(bus));
    }

    [RootFact]
    public void A_file_of_the_owner_that_is_not_a_bus_keeps_its_mode_when_chmod_fails()
    {
        string file = _sandbox.PathFor("notes");
        // nobody's own file, unreadable to nobody, that is not a key file.
        using (CliProcess p = _sandbox.Shell($"exec setpriv {string.Join(' ', AsNobody.SetprivOptions)} /bin/sh -c 'echo hello > {file}; chmod 0 {file}'"))
            Assert.Equal(0, p.WaitForExit().ExitCode);
        RunResult result = Nobody.Run(_sandbox, "chmod", "+u", file);
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"bus: {file}: not a bus key file", result.Stderr);
        Assert.Equal("0", Convert.ToString((int)File.GetUnixFileMode(file), 8));
    }

    [RootFact]
    public void A_symlink_is_still_refused_when_the_owner_cannot_read_its_target()
    {
        string bus = NobodysBus();
        Assert.Equal(0, Nobody.Run(_sandbox, "chmod", "o", bus).ExitCode);
        string link = _sandbox.PathFor("link");
        using (CliProcess p = _sandbox.Shell($"exec setpriv {string.Join(' ', AsNobody.SetprivOptions)} ln -s {bus} {link}"))
            Assert.Equal(0, p.WaitForExit().ExitCode);
        RunResult result = Nobody.Run(_sandbox, "chmod", "+u", link);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("a symbolic link", result.Stderr);
        Assert.Equal("6 6 4", Modes(bus));
    }
}
