using System.Text.RegularExpressions;
using LibBus.Tests.Infrastructure;
using Mono.Unix.Native;

namespace LibBus.Tests;

/// <summary>Remove, ChangeMode, ChangeOwner, GetInfo, and what other users may do.</summary>
public sealed class AdminTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private readonly BusSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    // ---- Remove ----

    [Fact]
    public void Remove_removes_and_reports_all_three_parts()
    {
        string path = _sandbox.CreateBus();
        int semid, shmid;
        using (Bus bus = Bus.Open(path)) (semid, shmid) = (bus.SemaphoreId, bus.SegmentId);

        BusRemoval removal = Bus.Remove(path);

        Assert.True(removal.Succeeded, removal.ToString());
        Assert.Equal(path, removal.Path);
        Assert.Equal(new BusPartRemoval(true, false, null), removal.SemaphoreArray);
        Assert.Equal(new BusPartRemoval(true, false, null), removal.Segment);
        Assert.Equal(new BusPartRemoval(true, false, null), removal.KeyFile);
        Assert.Equal($"{path}: removed the semaphore array; removed the shared memory segment; removed the key file", removal.ToString());
        Assert.False(File.Exists(path));
        Assert.DoesNotContain(IpcTable.Semaphores(), o => o.Id == semid);
        Assert.DoesNotContain(IpcTable.Segments(), o => o.Id == shmid);
        Assert.Throws<BusNotFoundException>(() => Bus.Remove(path));
    }

    [Fact]
    public void Remove_of_a_bus_whose_semaphore_array_was_ipcrmed_removes_the_rest_and_says_it_was_already_gone()
    {
        string path = _sandbox.CreateBus();
        int shmid;
        using (Bus bus = Bus.Open(path))
        {
            shmid = bus.SegmentId;
            Tools.Run("ipcrm", ["-s", bus.SemaphoreId.ToString()]);
        }

        BusRemoval removal = Bus.Remove(path);

        Assert.True(removal.Succeeded, removal.ToString());
        Assert.Equal(new BusPartRemoval(false, true, null), removal.SemaphoreArray);
        Assert.Equal(new BusPartRemoval(true, false, null), removal.Segment);
        Assert.Equal(new BusPartRemoval(true, false, null), removal.KeyFile);
        Assert.Contains("the semaphore array was already gone", removal.ToString());
        Assert.False(File.Exists(path));
        Assert.DoesNotContain(IpcTable.Segments(), o => o.Id == shmid);
    }

    [Fact]
    public void A_key_file_that_cannot_be_unlinked_is_reported_with_the_errno_of_the_failed_call()
    {
        // 'bus remove' prints BusRemoval's line, whose reason for each part is Error: it must be
        // the text of the call's own errno (it once read errno again, and said "Success").
        using var noDirectory = new Microsoft.Win32.SafeHandles.SafeFileHandle(-1, ownsHandle: false);
        BusPartRemoval part = SafeFile.UnlinkIfSame(noDirectory, "no-such-file", default);

        Assert.Equal(new BusPartRemoval(false, false, Interop.Errors.Text(Interop.Errors.EBADF), Interop.Errors.EBADF), part);
        Assert.Contains("could not remove the key file: Bad file descriptor",
            new BusRemoval("/x", new BusPartRemoval(true, false, null), new BusPartRemoval(true, false, null), part).ToString());
    }

    [Fact]
    public void Remove_of_a_bus_whose_segment_was_ipcrmed_removes_the_rest_and_says_it_was_already_gone()
    {
        string path = _sandbox.CreateBus();
        int semid;
        using (Bus bus = Bus.Open(path))
        {
            semid = bus.SemaphoreId;
            Tools.Run("ipcrm", ["-m", bus.SegmentId.ToString()]);
        }

        BusRemoval removal = Bus.Remove(path);

        Assert.True(removal.Succeeded, removal.ToString());
        Assert.Equal(new BusPartRemoval(true, false, null), removal.SemaphoreArray);
        Assert.Equal(new BusPartRemoval(false, true, null), removal.Segment);
        Assert.True(removal.KeyFile.Removed);
        Assert.Contains("the shared memory segment was already gone", removal.ToString());
        Assert.DoesNotContain(IpcTable.Semaphores(), o => o.Id == semid);
    }

    [Fact]
    public void Remove_while_a_handle_is_attached_removes_the_segment_once_detached()
    {
        string path = _sandbox.CreateBus();
        Bus bus = Bus.Open(path);
        int shmid = bus.SegmentId;

        Assert.True(Bus.Remove(path).Succeeded);
        Assert.Throws<BusRemovedException>(() => bus.Broadcast("0 after removal", TimeSpan.FromSeconds(5)));
        bus.Dispose();

        Assert.DoesNotContain(IpcTable.Segments(), o => o.Id == shmid);
    }

    // ---- CollectGarbage --orphans: the records of create ----

    /// <summary>
    /// What a create leaves when it is killed after it recorded the keys and made the semaphore
    /// array, before it set the values (0 0 0 0 0) or made the segment: while the create holds its
    /// record, gc leaves the array even with --min-idle 0; once the create is gone (the kernel drops
    /// its lock), gc removes the array and the record. <paramref name="idRecorded"/>: killed before
    /// or after it wrote the array's id into the record.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public unsafe void Gc_orphans_leaves_what_a_create_holds_and_collects_what_a_killed_create_left(bool idRecorded)
    {
        string home = _sandbox.PathFor("default");
        Directory.CreateDirectory(home);
        var registry = new BusRegistry(Path.Combine(home, ".registry"));
        string path = _sandbox.PathFor("never-written");
        var keys = new BusKeys(Random.Shared.Next(1 << 30, int.MaxValue), Random.Shared.Next(1 << 30, int.MaxValue));
        _sandbox.AddKey(keys.SemaphoreKey);
        BusRegistry.Pending pending = registry.Begin(path, keys, out bool taken) ?? throw new InvalidOperationException("no record");
        Assert.False(taken);
        int semid = Interop.Libc.SemGet(keys.SemaphoreKey, 5, Interop.Libc.IPC_CREAT | Interop.Libc.IPC_EXCL | 0x180);
        Assert.True(semid >= 0);
        if (idRecorded) pending.Made("semid", semid);
        var options = new BusGarbageOptions { Orphans = true, MinimumIdle = TimeSpan.Zero };
        try
        {
            Assert.Empty(Bus.CollectGarbageUsing(registry, [], options));
            Assert.Contains(IpcTable.Semaphores(), o => o.Id == semid);

            pending.Dispose(); // the create dies
            Assert.Equal([new BusGarbage(BusGarbageKind.OrphanSemaphoreArray, path, keys.SemaphoreKey, semid, true, null)],
                Bus.CollectGarbageUsing(registry, [], options));
            Assert.DoesNotContain(IpcTable.Semaphores(), o => o.Id == semid);
            Assert.Empty(Directory.GetFiles(registry.Directory));
        }
        finally
        {
            pending.Dispose();
            Interop.Libc.SemCtl(semid, 0, Interop.Libc.IPC_RMID);
        }
    }

    /// <summary>
    /// A record names the key file it was written for; an array of the caller's found at its key
    /// that is not the one recorded (another id), or one that was used, is not that create's and stays.
    /// </summary>
    [Fact]
    public void Gc_orphans_leaves_objects_at_a_recorded_key_that_are_not_the_recorded_ones()
    {
        string home = _sandbox.PathFor("default");
        Directory.CreateDirectory(home);
        var registry = new BusRegistry(Path.Combine(home, ".registry"));
        var keys = new BusKeys(Random.Shared.Next(1 << 30, int.MaxValue), Random.Shared.Next(1 << 30, int.MaxValue));
        _sandbox.AddKey(keys.SemaphoreKey);
        using (BusRegistry.Pending pending = registry.Begin(_sandbox.PathFor("gone"), keys, out _)!)
            pending.Made("semid", int.MaxValue); // an id no array has
        int semid = Interop.Libc.SemGet(keys.SemaphoreKey, 5, Interop.Libc.IPC_CREAT | Interop.Libc.IPC_EXCL | 0x180);
        try
        {
            Assert.Empty(Bus.CollectGarbageUsing(registry, [], new BusGarbageOptions { Orphans = true, MinimumIdle = TimeSpan.Zero }));
            Assert.Contains(IpcTable.Semaphores(), o => o.Id == semid);
            Assert.Single(Directory.GetFiles(registry.Directory));
        }
        finally
        {
            Interop.Libc.SemCtl(semid, 0, Interop.Libc.IPC_RMID);
        }
    }

    /// <summary>
    /// A record written in another IPC namespace (a container sharing the directory) names keys of
    /// that namespace: an object at the same key here is not the one recorded, and stays; so does
    /// the record.
    /// </summary>
    [Fact]
    public void Gc_orphans_leaves_objects_whose_record_was_written_in_another_IPC_namespace()
    {
        string home = _sandbox.PathFor("default");
        string records = Path.Combine(home, ".registry");
        Directory.CreateDirectory(records);
        File.SetUnixFileMode(records, (UnixFileMode)0x1C0);
        var keys = new BusKeys(Random.Shared.Next(1 << 30, int.MaxValue), Random.Shared.Next(1 << 30, int.MaxValue));
        _sandbox.AddKey(keys.SemaphoreKey);
        int semid = Interop.Libc.SemGet(keys.SemaphoreKey, 5, Interop.Libc.IPC_CREAT | Interop.Libc.IPC_EXCL | 0x180);
        Assert.True(semid >= 0);
        try
        {
            string hex = Convert.ToHexString(System.Text.Encoding.UTF8.GetBytes(_sandbox.PathFor("gone")));
            string record = Path.Combine(records, $"{keys.SemaphoreKey}.{keys.SegmentKey}");
            File.WriteAllText(record,
                $"libbus-record 1\npid {Environment.ProcessId}\ntime {DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 5}\n" +
                $"ipc ipc:[1]\nmnt {BusRegistry.Namespace("mnt")}\npath {hex}\nsemid {semid}\n");
            var options = new BusGarbageOptions { Orphans = true, MinimumIdle = TimeSpan.Zero };
            Assert.Empty(Bus.CollectGarbageUsing(new BusRegistry(records), [], options));
            Assert.Contains(IpcTable.Semaphores(), o => o.Id == semid);
            Assert.True(File.Exists(record));

            // The same record written here: the array is the recorded one, and goes.
            File.WriteAllText(record, File.ReadAllText(record).Replace("ipc ipc:[1]", "ipc " + BusRegistry.Namespace("ipc"), StringComparison.Ordinal));
            Assert.Equal([new BusGarbage(BusGarbageKind.OrphanSemaphoreArray, _sandbox.PathFor("gone"), keys.SemaphoreKey, semid, true, null)],
                Bus.CollectGarbageUsing(new BusRegistry(records), [], options));
            Assert.False(File.Exists(record));
        }
        finally
        {
            Interop.Libc.SemCtl(semid, 0, Interop.Libc.IPC_RMID);
        }
    }

    /// <summary>No record without a default directory (a create never makes it), nor in a registry others may write.</summary>
    [Fact]
    public void Registry_records_are_written_only_in_a_default_directory_that_exists_and_by_the_owner()
    {
        var missing = new BusRegistry(_sandbox.PathFor("nowhere/.registry"));
        Assert.Null(missing.Begin(_sandbox.PathFor("x"), new BusKeys(12345, 67890), out bool taken));
        Assert.False(taken);
        Assert.False(Directory.Exists(_sandbox.PathFor("nowhere")));

        string home = _sandbox.PathFor("shared");
        Directory.CreateDirectory(Path.Combine(home, ".registry"));
        File.SetUnixFileMode(Path.Combine(home, ".registry"), (UnixFileMode)0x1FF); // others may write: not trusted
        Assert.Null(new BusRegistry(Path.Combine(home, ".registry")).Begin(_sandbox.PathFor("x"), new BusKeys(12345, 67890), out _));
        Assert.Empty(Directory.GetFiles(Path.Combine(home, ".registry")));
    }

    // ---- ChangeMode ----

    [Theory]
    [InlineData("600", "600", "600")]
    [InlineData("644", "666", "644")]
    [InlineData("640", "660", "640")]
    [InlineData("700", "600", "600")]
    [InlineData("604", "606", "604")]
    [InlineData("777", "666", "644")]
    [InlineData("111", "666", "644")]
    [InlineData("020", "060", "040")]
    [InlineData("000", "000", "000")]
    public void ChangeMode_gives_each_class_with_any_bit_read_and_write_on_IPC_and_read_on_the_key_file(
        string mode, string ipcMode, string keyFileMode)
    {
        string path = _sandbox.CreateBus();
        Bus.ChangeMode(path, (UnixFileMode)Convert.ToInt32(mode, 8));

        BusInfo info = Bus.GetInfo(path);
        Assert.Equal(ipcMode, Convert.ToString(info.Mode, 8).PadLeft(3, '0'));
        Assert.Equal(ipcMode, Convert.ToString(info.SegmentMode, 8).PadLeft(3, '0'));
        Assert.Equal(keyFileMode, Convert.ToString(info.KeyFileMode, 8).PadLeft(3, '0'));
        Assert.Equal((UnixFileMode)Convert.ToInt32(keyFileMode, 8), File.GetUnixFileMode(path));

        (int semid, int shmid) = Ids(path);
        Assert.Equal(ipcMode, IpcsField("-s", semid, "access_perms").TrimStart('0').PadLeft(3, '0'));
        Assert.Equal(ipcMode, IpcsField("-m", shmid, "access_perms").TrimStart('0').PadLeft(3, '0'));
    }

    [Fact]
    public void ChangeMode_leaves_keys_owner_and_semaphore_values_alone()
    {
        string path = _sandbox.CreateBus();
        string text = File.ReadAllText(path);
        BusInfo before = Bus.GetInfo(path);

        Bus.ChangeMode(path, (UnixFileMode)Convert.ToInt32("644", 8));

        Assert.Equal(text, File.ReadAllText(path));
        BusInfo after = Bus.GetInfo(path);
        Assert.Equal((before.Keys, before.Uid, before.Gid), (after.Keys, after.Uid, after.Gid));
        using Bus bus = Bus.Open(path);
        Assert.Equal(new BusSemaphoreValues(0, 0, 1, 0, 0), bus.GetSemaphoreValues());
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(512)] // 01000: not a permission bit
    public void ChangeMode_refuses_a_mode_outside_0_to_0777_and_changes_nothing(int mode)
    {
        string path = _sandbox.CreateBus();
        BusInfo before = Bus.GetInfo(path);

        Assert.Throws<ArgumentOutOfRangeException>(() => Bus.ChangeMode(path, (UnixFileMode)mode));

        Assert.Equal(before, Bus.GetInfo(path));
    }

    // ---- ChangeOwner ----

    [RootTheory]
    [InlineData("65534", "65534")]
    [InlineData("nobody", "nogroup")]
    public void ChangeOwner_gives_the_key_file_and_both_IPC_objects_to_another_user_and_group(string user, string group)
    {
        AssertNobodyExists();
        string path = _sandbox.CreateBus();

        Bus.ChangeOwner(path, user, group);

        AssertOwner(path, AsNobody.Uid, AsNobody.Gid);
        // The mode is unchanged.
        BusInfo info = Bus.GetInfo(path);
        Assert.Equal((0x180, 0x180, 0x180), (info.Mode, info.SegmentMode, info.KeyFileMode));
    }

    [RootFact]
    public void ChangeOwner_with_only_a_user_or_only_a_group_changes_only_that()
    {
        AssertNobodyExists();
        string path = _sandbox.CreateBus();

        Bus.ChangeOwner(path, "nobody", null);
        AssertOwner(path, AsNobody.Uid, 0);

        Bus.ChangeOwner(path, null, "nogroup");
        AssertOwner(path, AsNobody.Uid, AsNobody.Gid);

        Bus.ChangeOwner(path, "0", null);
        AssertOwner(path, 0, AsNobody.Gid);
    }

    [Theory]
    [InlineData("no-such-user-libbus", null, "no-such-user-libbus")]
    [InlineData(null, "no-such-group-libbus", "no-such-group-libbus")]
    [InlineData("no-such-user-libbus", "0", "no-such-user-libbus")]
    [InlineData("0", "no-such-group-libbus", "no-such-group-libbus")]
    public void ChangeOwner_to_an_unknown_user_or_group_is_a_BusException_naming_it_and_changes_nothing(
        string? user, string? group, string named)
    {
        string path = _sandbox.CreateBus();
        BusInfo before = Bus.GetInfo(path);
        Syscall.stat(path, out Stat stat);

        var e = Assert.ThrowsAny<BusException>(() => Bus.ChangeOwner(path, user, group));

        Assert.Contains(named, e.Message);
        Assert.DoesNotContain("\n", e.Message);
        Assert.Equal(before, Bus.GetInfo(path));
        Syscall.stat(path, out Stat after);
        Assert.Equal((stat.st_uid, stat.st_gid), (after.st_uid, after.st_gid));
    }

    [RootFact]
    public void ChangeOwner_takes_a_numeric_id_that_names_no_user_as_it_is()
    {
        string path = _sandbox.CreateBus();

        Bus.ChangeOwner(path, "12345", "23456");

        AssertOwner(path, 12345, 23456);
    }

    [Theory]
    [InlineData("4294967295", null)]
    [InlineData(null, "4294967295")]
    public void ChangeOwner_to_the_invalid_id_minus_1_is_an_error_naming_it_and_changes_nothing(string? user, string? group)
    {
        string path = _sandbox.CreateBus();
        BusInfo before = Bus.GetInfo(path);

        var e = Assert.ThrowsAny<BusException>(() => Bus.ChangeOwner(path, user, group));

        Assert.IsNotType<BusRemovedException>(e);
        Assert.Contains("4294967295", e.Message);
        Assert.Equal(before, Bus.GetInfo(path));
    }

    // ---- other users ----

    [RootFact]
    public void Another_user_cannot_read_a_0600_key_file()
    {
        string path = _sandbox.CreateBus();
        AsNobody.MakeSearchable(_sandbox.Directory);

        Peer listener = _sandbox.Track(OtherUser.Nobody("listen", path, "1"));

        Assert.Equal(1, listener.WaitForExit(Wait));
        Assert.Matches($"^error: {nameof(BusAccessDeniedException)}: {Regex.Escape(path)}: .*key file", listener.StderrText);
    }

    [RootFact]
    public void Another_user_who_can_read_the_key_file_is_denied_by_0600_IPC_objects()
    {
        string path = _sandbox.CreateBus();
        AsNobody.MakeSearchable(_sandbox.Directory);
        File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32("644", 8)); // the key file only

        Peer listener = _sandbox.Track(OtherUser.Nobody("listen", path, "1"));
        Peer broadcaster = _sandbox.Track(OtherUser.Nobody("broadcast", path, "0", "1"));

        Assert.Equal(1, listener.WaitForExit(Wait));
        Assert.Equal(1, broadcaster.WaitForExit(Wait));
        foreach (Peer peer in new[] { listener, broadcaster })
        {
            Assert.Matches($"^error: {nameof(BusAccessDeniedException)}: {Regex.Escape(path)}: permission denied on the bus's semaphore array",
                peer.StderrText);
            Assert.DoesNotContain("\n", peer.StderrText);
        }
        using Bus bus = Bus.Open(path);
        Assert.Equal(new BusSemaphoreValues(0, 0, 1, 0, 0), bus.GetSemaphoreValues());
    }

    [RootFact]
    public void After_ChangeMode_0604_another_user_can_listen_and_broadcast()
    {
        string path = _sandbox.CreateBus();
        AsNobody.MakeSearchable(_sandbox.Directory);
        Bus.ChangeMode(path, (UnixFileMode)Convert.ToInt32("604", 8));

        Peer listener = _sandbox.Track(OtherUser.Nobody("listen", path, "2"));
        listener.WaitReady(Wait);
        Bus bus = _sandbox.Open(path, BusAccess.Broadcast);
        bus.Broadcast("0 from root", Wait);
        Peer broadcaster = _sandbox.Track(OtherUser.Nobody("broadcast", path, "nobody", "1"));

        Assert.Equal(0, broadcaster.WaitForExit(Wait));
        Assert.Equal(0, listener.WaitForExit(Wait));
        Assert.Equal(["0 from root", "nobody 0"], listener.StdoutLines);
    }

    [RootFact]
    public void After_ChangeOwner_to_nobody_a_0600_bus_is_usable_by_nobody()
    {
        string path = _sandbox.CreateBus();
        AsNobody.MakeSearchable(_sandbox.Directory);
        Bus.ChangeOwner(path, "nobody", "nogroup");

        Peer listener = _sandbox.Track(OtherUser.Nobody("listen", path, "1"));
        listener.WaitReady(Wait);
        _sandbox.Open(path, BusAccess.Broadcast).Broadcast("0 yours now", Wait);

        Assert.Equal(0, listener.WaitForExit(Wait));
        Assert.Equal(["0 yours now"], listener.StdoutLines);
    }

    [RootFact]
    public void A_group_member_can_use_a_bus_after_ChangeMode_0640_and_ChangeOwner_to_its_group()
    {
        AssertNobodyExists();
        string path = _sandbox.CreateBus();
        AsNobody.MakeSearchable(_sandbox.Directory);
        Bus.ChangeMode(path, (UnixFileMode)Convert.ToInt32("640", 8));
        Bus.ChangeOwner(path, null, "nogroup");

        // nobody is in nogroup (its primary group): group rights apply.
        Peer listener = _sandbox.Track(OtherUser.Nobody("listen", path, "1"));
        listener.WaitReady(Wait);
        _sandbox.Open(path, BusAccess.Broadcast).Broadcast("0 for the group", Wait);

        Assert.Equal(0, listener.WaitForExit(Wait));
        Assert.Equal(["0 for the group"], listener.StdoutLines);
    }

    [RootFact]
    public void Another_user_with_read_and_write_cannot_ipcrm_the_objects_of_a_0666_bus()
    {
        string path = _sandbox.CreateBus();
        Bus.ChangeMode(path, (UnixFileMode)Convert.ToInt32("666", 8));
        (int semid, int shmid) = Ids(path);

        Tools.Run("setpriv", [.. AsNobody.SetprivOptions, "ipcrm", "-s", semid.ToString(), "-m", shmid.ToString()], expectedExit: 1);

        Assert.Contains(IpcTable.Semaphores(), o => o.Id == semid);
        Assert.Contains(IpcTable.Segments(), o => o.Id == shmid);
        using Bus bus = Bus.Open(path);
    }

    // ---- helpers ----

    private static (int SemaphoreId, int SegmentId) Ids(string path)
    {
        using Bus bus = Bus.Open(path);
        return (bus.SemaphoreId, bus.SegmentId);
    }

    /// <summary>A field of <c>ipcs -s|-m -i ID</c>, such as access_perms, uid or gid.</summary>
    private static string IpcsField(string kind, int id, string field)
    {
        string output = Tools.Run("ipcs", [kind, "-i", id.ToString()]);
        Match m = Regex.Match(output, $@"(?<![a-z_]){field}=(\d+)");
        Assert.True(m.Success, $"no {field}= in ipcs {kind} -i {id}:\n{output}");
        return m.Groups[1].Value;
    }

    private static void AssertOwner(string path, uint uid, uint gid)
    {
        BusInfo info = Bus.GetInfo(path);
        Assert.Equal((uid, gid), (info.Uid, info.Gid));
        (int semid, int shmid) = Ids(path);
        Assert.Equal((uid.ToString(), gid.ToString()), (IpcsField("-s", semid, "uid"), IpcsField("-s", semid, "gid")));
        Assert.Equal((uid.ToString(), gid.ToString()), (IpcsField("-m", shmid, "uid"), IpcsField("-m", shmid, "gid")));
        Assert.Equal(0, Syscall.stat(path, out Stat stat));
        Assert.Equal((uid, gid), (stat.st_uid, stat.st_gid));
    }

    private static void AssertNobodyExists()
    {
        Assert.True(File.ReadLines("/etc/passwd").Any(l => l.StartsWith($"nobody:x:{AsNobody.Uid}:")), "no user nobody (65534) in /etc/passwd");
        Assert.True(File.ReadLines("/etc/group").Any(l => l.StartsWith($"nogroup:x:{AsNobody.Gid}:")), "no group nogroup (65534) in /etc/group");
    }
}
