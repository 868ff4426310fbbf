using BusCli.Tests.Infrastructure;
using Mono.Unix.Native;

namespace BusCli.Tests;

/// <summary>
/// Issue 10: another user must never make root's bus command act on a file or an IPC
/// object that is not the bus it was pointed at, and the admin verbs never half-apply.
/// Each test plays the attacker as nobody (setpriv) in a directory both can write.
/// </summary>
public sealed class PrivilegeTests : IDisposable
{
    private static readonly string SetprivNobody = "setpriv " + string.Join(' ', AsNobody.SetprivOptions);
    private readonly CliSandbox _sandbox = new();

    public PrivilegeTests()
    {
        // Like /tmp: everyone may create files; only a file's owner may rename or remove it.
        File.SetUnixFileMode(_sandbox.Directory, (UnixFileMode)Convert.ToInt32("1777", 8));
    }

    public void Dispose() => _sandbox.Dispose();

    private static string Q(string s) => Nobody.Quote(s);

    /// <summary>Mode, owner and group of <paramref name="path"/> (not following a symlink).</summary>
    private static string Describe(string path)
    {
        Assert.Equal(0, Syscall.lstat(path, out Stat st));
        return $"mode {Convert.ToString((int)st.st_mode & 0xFFF, 8)} uid {st.st_uid} gid {st.st_gid} size {st.st_size}";
    }

    private string Victim()
    {
        string victim = _sandbox.PathFor("victim");
        File.WriteAllText(victim, "precious\n");
        File.SetUnixFileMode(victim, (UnixFileMode)Convert.ToInt32("600", 8));
        return victim;
    }

    private RunResult RunAsNobody(string script)
    {
        using CliProcess p = _sandbox.Shell($"exec {SetprivNobody} /bin/sh -c {Q(script)}");
        p.Stdin.Close();
        return p.WaitForExit();
    }

    private string NobodysBus(string name)
    {
        string bus = _sandbox.PathFor(name);
        RunResult r = Nobody.Run(_sandbox, "create", "-x", bus);
        Assert.True(r.ExitCode == 0, r.ToString());
        _sandbox.RememberKeys(bus);
        return bus;
    }

    // ---- 1. --ready-file's temporary file ----

    [RootFact]
    public void Ready_file_never_writes_through_a_symlink_planted_at_its_temporary_name()
    {
        string bus = _sandbox.CreateBus();
        string victim = Victim();
        string ready = _sandbox.PathFor("ready");
        // The old temporary name was READY.<pid>.tmp: plant it, then become the listener (same pid).
        using CliProcess listener = _sandbox.Shell(
            $"{SetprivNobody} ln -s {Q(victim)} {Q(ready)}.$$.tmp && exec \"$BUS\" listen --count 1 --ready-file {Q(ready)} {Q(bus)}");
        listener.Stdin.Close();
        Eventually.True(() => File.Exists(ready) || listener.HasExited, "the readiness file");
        if (listener.HasExited) Assert.Fail(listener.WaitForExit().ToString());
        Assert.Equal($"{listener.Id}\n", File.ReadAllText(ready));
        Assert.Equal(0, Syscall.lstat(ready, out Stat st));
        Assert.Equal(FilePermissions.S_IFREG, st.st_mode & FilePermissions.S_IFMT);
        Assert.Equal(0, _sandbox.Run("broadcast", bus, "done").ExitCode);
        RunResult r = listener.WaitForExit();
        Assert.True(r.ExitCode == 0, r.ToString());

        Assert.Equal("precious\n", File.ReadAllText(victim));
        Assert.Equal("mode 600 uid 0 gid 0 size 9", Describe(victim));
    }

    [RootFact]
    public void Ready_file_replaces_a_symlink_at_FILE_instead_of_writing_through_it()
    {
        string bus = _sandbox.CreateBus();
        string victim = Victim();
        string ready = _sandbox.PathFor("ready");
        Assert.Equal(0, RunAsNobody($"ln -s {Q(victim)} {Q(ready)}").ExitCode);
        using CliProcess listener = _sandbox.Start("listen", "--count", "1", "--ready", "--ready-file", ready, bus);
        listener.WaitUntilListening();
        Assert.Equal($"{listener.Id}\n", File.ReadAllText(ready));
        Assert.Equal(0, _sandbox.Run("broadcast", bus, "done").ExitCode);
        Assert.Equal(0, listener.WaitForExit().ExitCode);
        Assert.Equal("precious\n", File.ReadAllText(victim));
        Assert.False(File.Exists(ready)); // the file it created, removed when it ended
    }

    // ---- 2. chmod / chown / chgrp act on the file they read, never through a symlink ----

    [RootTheory]
    [InlineData("chmod", "666")]
    [InlineData("chown", "0:65534")]
    [InlineData("chgrp", "65534")]
    [InlineData("remove", null)]
    public void Admin_verbs_refuse_a_symlink_to_a_key_file_and_change_nothing(string verb, string? argument)
    {
        string bus = _sandbox.CreateBus();
        string link = _sandbox.PathFor("link");
        File.CreateSymbolicLink(link, bus);
        string before = HostileInputTests.DescribeTree(_sandbox.Directory) + HostileInputTests.DescribeIpc(bus);

        RunResult r = argument is null ? _sandbox.Run(verb, link) : _sandbox.Run(verb, argument, link);

        Assert.True(r.ExitCode == 1, r.ToString());
        string line = Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("symbolic link", line);
        Assert.Equal(before, HostileInputTests.DescribeTree(_sandbox.Directory) + HostileInputTests.DescribeIpc(bus));
    }

    [RootTheory]
    [InlineData("chmod", "666")]
    [InlineData("chgrp", "65534")]
    public void Swapping_the_key_file_for_a_symlink_in_a_loop_never_makes_root_change_another_file(string verb, string argument)
    {
        string victim = Victim();
        string before = Describe(victim);
        string own = NobodysBus("own");
        string target = _sandbox.PathFor("P");
        // nobody flips P between a link to its own key file and a symlink to root's file.
        string a = _sandbox.PathFor("a"), b = _sandbox.PathFor("b"), stop = _sandbox.PathFor("stop");
        // The loop ends at the stop file rather than by a signal: a killed shell would leave its
        // last ln or mv running, to create a file while the sandbox is being deleted.
        using CliProcess swapper = _sandbox.Shell(
            $"exec {SetprivNobody} /bin/sh -c {Q($"while [ ! -e {Q(stop)} ]; do ln -f {Q(own)} {Q(a)} && mv -T {Q(a)} {Q(target)}; ln -sfn {Q(victim)} {Q(b)} && mv -T {Q(b)} {Q(target)}; done")}");
        swapper.Stdin.Close();
        Eventually.True(() => File.Exists(target) || Directory.Exists(target), "the swapping loop");

        int succeeded = 0;
        for (int i = 0; i < 60; i++)
        {
            RunResult r = _sandbox.Run(verb, argument, target);
            Assert.True(Describe(victim) == before, $"try {i}: root's {verb} changed the victim: {Describe(victim)} ({r})");
            Assert.True(r.ExitCode is 0 or 1, r.ToString());
            if (r.ExitCode == 0) succeeded++;
            else Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        File.WriteAllText(stop, "");
        Assert.True(swapper.WaitForExit().ExitCode == 0, "the swapping loop did not stop");
        Assert.Equal("precious\n", File.ReadAllText(victim));
    }

    // ---- 4. a key file and the objects it names must have one owner ----

    [RootFact]
    public void A_key_file_of_another_owner_naming_roots_bus_is_refused_by_chmod_chown_chgrp_and_remove()
    {
        string bus = _sandbox.CreateBus();
        string evil = _sandbox.PathFor("evil");
        Assert.Equal(0, RunAsNobody($"cat > {Q(evil)} <<'EOF'\n{File.ReadAllText(bus)}EOF").ExitCode);
        string before = HostileInputTests.DescribeIpc(bus);

        foreach (string[] arguments in new[]
        {
            new[] { "chmod", "+o", evil },
            new[] { "chown", "65534", evil },
            new[] { "chgrp", "65534", evil },
            new[] { "remove", evil },
        })
        {
            RunResult r = _sandbox.Run(arguments);
            Assert.True(r.ExitCode == 1, $"{arguments[0]}: {r}");
            string line = Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains("--allow-owner-mismatch", line);
            Assert.Equal(before, HostileInputTests.DescribeIpc(bus));
            Assert.True(File.Exists(evil));
        }

        // Deliberately: the override acts.
        RunResult forced = _sandbox.Run("chmod", "--allow-owner-mismatch", "+o", evil);
        Assert.True(forced.ExitCode == 0, forced.ToString());
        Assert.NotEqual(before, HostileInputTests.DescribeIpc(bus));
    }

    // ---- 5. remove unlinks only its own key file, and only once both objects are gone ----

    [RootFact]
    public void Remove_keeps_the_key_file_when_it_cannot_remove_the_objects()
    {
        File.SetUnixFileMode(_sandbox.Directory, (UnixFileMode)Convert.ToInt32("777", 8)); // nobody may unlink here
        string bus = _sandbox.CreateBus();
        File.SetUnixFileMode(bus, (UnixFileMode)Convert.ToInt32("644", 8));
        string before = HostileInputTests.DescribeTree(_sandbox.Directory) + HostileInputTests.DescribeIpc(bus);

        RunResult r = Nobody.Run(_sandbox, "remove", bus);

        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(before, HostileInputTests.DescribeTree(_sandbox.Directory) + HostileInputTests.DescribeIpc(bus));
    }

    // ---- 6. chmod / chown / chgrp change all three parts or none ----

    [RootFact]
    public void A_user_giving_a_bus_away_changes_nothing()
    {
        string bus = NobodysBus("given");
        string before = HostileInputTests.DescribeTree(_sandbox.Directory) + HostileInputTests.DescribeIpc(bus);

        RunResult r = Nobody.Run(_sandbox, "chown", "0", bus);

        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(before, HostileInputTests.DescribeTree(_sandbox.Directory) + HostileInputTests.DescribeIpc(bus));
    }

    [RootFact]
    public void On_a_read_only_file_system_chmod_and_chown_change_nothing()
    {
        string bus = _sandbox.CreateBus();
        string before = HostileInputTests.DescribeTree(_sandbox.Directory) + HostileInputTests.DescribeIpc(bus);
        string d = Q(_sandbox.Directory);
        using CliProcess p = _sandbox.Shell(
            $"exec unshare --mount /bin/sh -c {Q($"mount --bind {d} {d} && mount -o remount,bind,ro {d} && " +
                                               $"{{ \"$BUS\" chmod 666 {Q(bus)}; echo chmod $?; \"$BUS\" chown 65534:65534 {Q(bus)}; echo chown $?; }}")}");
        p.Stdin.Close();
        RunResult r = p.WaitForExit();
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(["chmod 1", "chown 1"], r.StdoutLines);
        Assert.Equal(2, r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal(before, HostileInputTests.DescribeTree(_sandbox.Directory) + HostileInputTests.DescribeIpc(bus));
    }
}
