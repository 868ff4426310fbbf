using LibBus.Tests.Infrastructure;
using static LibBus.Interop.Libc;

namespace LibBus.Tests;

/// <summary>
/// Issue 10: a bus is exactly 5 semaphores and exactly 2048 bytes, and every verb refuses
/// anything else; a key file is published whole, so concurrent creates never see it empty.
/// </summary>
public sealed class ExactBusTests : IDisposable
{
    private readonly BusSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    /// <summary>Every public operation that reads a key file and touches the objects it names.</summary>
    private static readonly Dictionary<string, Action<string>> Operations = new()
    {
        ["Open"] = p => Bus.Open(p).Dispose(),
        ["Open for Listen"] = p => Bus.Open(p, BusAccess.Listen).Dispose(),
        ["Create"] = p => Bus.Create(p),
        ["Remove"] = p => Bus.Remove(p),
        ["Remove allowing an owner mismatch"] = p => Bus.Remove(p, allowOwnerMismatch: true),
        ["GetInfo"] = p => Bus.GetInfo(p),
        ["ChangeMode"] = p => Bus.ChangeMode(p, (UnixFileMode)Convert.ToInt32("666", 8)),
        ["ChangeOwner"] = p => Bus.ChangeOwner(p, "0", "0"),
    };

    public static TheoryData<int, int, string> Shapes()
    {
        var data = new TheoryData<int, int, string>();
        foreach ((int semaphores, int bytes) in new[] { (6, 2048), (5, 4096), (5, 2049), (8, 8192) })
            foreach (string operation in Operations.Keys)
                data.Add(semaphores, bytes, operation);
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Objects_larger_than_a_bus_are_not_a_bus_for_any_operation_and_are_left_alone(int semaphores, int bytes, string operation)
    {
        string path = _sandbox.PathFor("foreign");
        using var foreign = new ForeignObjects(path, semaphores, bytes);
        string before = foreign.Describe();

        Exception? e = Record.Exception(() => Operations[operation](path));

        Assert.IsType<BusObjectMismatchException>(e);
        Assert.DoesNotContain('\n', e.Message);
        Assert.StartsWith(path + ": not a", e.Message);
        Assert.Equal(before, foreign.Describe());
        Assert.True(File.Exists(path));
    }

    [Fact]
    public void Concurrent_creates_of_one_path_all_succeed_and_make_one_bus()
    {
        string path = _sandbox.PathFor("contended");
        const int creators = 8, rounds = 100;
        var failures = new List<string>();
        using var barrier = new Barrier(creators);
        var threads = Enumerable.Range(0, creators).Select(t => new Thread(() =>
        {
            for (int round = 0; round < rounds; round++)
            {
                barrier.SignalAndWait();
                try
                {
                    Bus.Create(path);
                }
                catch (BusException e)
                {
                    lock (failures) failures.Add($"round {round}: {e.Message}");
                }
                barrier.SignalAndWait();
                if (t == 0) Bus.Remove(path);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        Assert.All(threads, t => Assert.True(t.Join(TimeSpan.FromMinutes(2)), "a creator did not finish"));
        Assert.True(failures.Count == 0, $"{failures.Count} of {creators * rounds} creates failed: {string.Join("; ", failures.Take(3))}");
    }

    [Fact]
    public void A_new_key_file_is_never_visible_under_its_name_before_it_is_complete()
    {
        // Whatever a reader finds at the path is a whole key file: poll while creating.
        string path = _sandbox.PathFor("watched");
        var seen = new List<string>();
        using var stop = new CancellationTokenSource();
        var reader = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    string text = File.ReadAllText(path);
                    if (!System.Text.RegularExpressions.Regex.IsMatch(text, "^[0-9]+\n[0-9]+\nipc:\\[[0-9]+\\]\n$"))
                        lock (seen) seen.Add(text);
                }
                catch (IOException) { }
            }
        });
        reader.Start();
        for (int i = 0; i < 300; i++)
        {
            Bus.Create(path, exclusive: true);
            Bus.Remove(path);
        }
        stop.Cancel();
        Assert.True(reader.Join(TimeSpan.FromSeconds(30)));
        Assert.True(seen.Count == 0, $"a reader saw {seen.Count} incomplete key files, e.g. '{seen.FirstOrDefault()}'");
    }

    [Fact]
    public void Removes_racing_with_creates_on_one_path_never_unlink_a_new_bus_nor_orphan_one()
    {
        string path = _sandbox.PathFor("raced");
        var ipc = new IpcScope();
        // A removal moves the name away for a moment to check it (SafeFile.UnlinkIfSame); a create
        // in that moment must not take the name (DirectoryNameLock), or the file moved away cannot
        // go back. Without the lock this failed 1 run in 8-30 with 3 threads x 400.
        var threads = Enumerable.Range(0, 4).Select(_ => new Thread(() =>
        {
            for (int i = 0; i < 600; i++)
            {
                try { Bus.Create(path); } catch (BusException) { }
                try { Bus.Remove(path); } catch (BusException) { }
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        Assert.All(threads, t => Assert.True(t.Join(TimeSpan.FromMinutes(2)), "a thread did not finish"));
        try { Bus.Remove(path); } catch (BusNotFoundException) { }

        // Every object this process made belongs to a bus that was removed: none is left
        // without a key file naming it.
        string orphans = ipc.DescribeLeaks();
        Assert.True(orphans.Length == 0, $"orphaned bus(es): {orphans}");
    }

    [Theory]
    [InlineData("create")]
    [InlineData("remove")]
    public void A_create_or_remove_waits_while_another_process_holds_the_directory_for_a_removal(string operation)
    {
        // The lock that keeps a create out of a removal's moment (DirectoryNameLock): while another
        // process holds the directory exclusively, as SafeFile.UnlinkIfSame does, neither a create
        // nor a removal changes the name; once it lets go, each goes on.
        string path = _sandbox.PathFor("waited");
        if (operation == "remove") Bus.Create(path);
        using var holder = new ChildProcess("flock", ["-x", _sandbox.Directory, "-c", "echo locked; read line"]);
        Assert.Equal("locked", holder.ReadLine(ChildProcess.DefaultTimeout));
        var worker = new Thread(() =>
        {
            if (operation == "create") Bus.Create(path);
            else Bus.Remove(path);
        });
        worker.Start();
        Assert.False(worker.Join(TimeSpan.FromMilliseconds(300)), $"the {operation} did not wait for the lock");
        Assert.Equal(operation == "remove", File.Exists(path));
        holder.Stdin.WriteLine();
        holder.Stdin.Flush();
        Assert.True(worker.Join(TimeSpan.FromSeconds(30)), $"the {operation} did not go on");
        Assert.Equal(operation == "create", File.Exists(path));
    }

    [RootTheory]
    [InlineData("-s")]
    [InlineData("-x")]
    public void A_directory_lock_held_for_ever_by_another_user_delays_create_and_remove_but_never_stops_them(string mode)
    {
        // Anyone who can read a directory (/tmp) can flock it; a hold longer than
        // DirectoryNameLock.MaxWait is waited for no longer.
        AsNobody.MakeSearchable(_sandbox.Directory); // 0755: nobody may read it, so lock it
        using var holder = new ChildProcess("setpriv", [.. AsNobody.SetprivOptions, "flock", mode, _sandbox.Directory, "-c", "echo locked; exec sleep 600"]);
        Assert.Equal("locked", holder.ReadLine(ChildProcess.DefaultTimeout));
        string path = _sandbox.PathFor("held");
        var worker = new Thread(() =>
        {
            Bus.Create(path);
            Bus.Remove(path);
            Bus.Create(path);
        });
        worker.Start();
        Assert.True(worker.Join(TimeSpan.FromSeconds(60)), "create and remove waited for ever behind a held lock");
        Assert.Equal(BusState.Alive, Bus.GetStatus(path).State);
        Bus.Remove(path);
    }

    [Theory]
    [InlineData("Open")]
    [InlineData("Open for Listen")]
    [InlineData("GetInfo")]
    public void A_symlink_to_a_file_that_is_not_a_key_file_is_refused_without_quoting_that_file(string operation)
    {
        string secret = _sandbox.PathFor("shadow");
        File.WriteAllText(secret, "root:$6$SECRETHASH:19000:0:99999:7:::\n");
        string link = _sandbox.PathFor("link");
        File.CreateSymbolicLink(link, secret);

        Exception? e = Record.Exception(() => Operations[operation](link));

        Assert.IsType<BusKeyFileCorruptException>(e);
        Assert.StartsWith(link + ": not a bus key file", e.Message);
        Assert.DoesNotContain("SECRET", e.Message);
        Assert.DoesNotContain("root:", e.Message);
    }

    /// <summary>A semaphore array and a segment of a given shape, and a key file naming them; removed on Dispose.</summary>
    private sealed class ForeignObjects : IDisposable
    {
        private readonly int _semid = -1, _shmid = -1;

        public ForeignObjects(string keyFile, int semaphores, int bytes)
        {
            int semKey = 0, shmKey = 0;
            for (int i = 0; i < 100 && _semid < 0; i++)
                _semid = SemGet(semKey = Random.Shared.Next(1, 1 << 30), semaphores, IPC_CREAT | IPC_EXCL | Convert.ToInt32("600", 8));
            for (int i = 0; i < 100 && _shmid < 0; i++)
                _shmid = ShmGet(shmKey = Random.Shared.Next(1, 1 << 30), (nuint)bytes, IPC_CREAT | IPC_EXCL | Convert.ToInt32("600", 8));
            Assert.True(_semid >= 0 && _shmid >= 0, "could not create the foreign objects");
            File.WriteAllText(keyFile, $"{semKey}\n{shmKey}\n");
        }

        /// <summary>Both objects still exist, with their ids and modes.</summary>
        public unsafe string Describe()
        {
            SemidDs sem;
            ShmidDs shm;
            int s = SemCtl(_semid, 0, IPC_STAT, &sem), m = ShmCtl(_shmid, IPC_STAT, &shm);
            return $"sem {_semid} {s} {sem.Perm.Mode} {sem.Perm.Uid}; shm {_shmid} {m} {shm.Perm.Mode} {shm.Perm.Uid}";
        }

        public unsafe void Dispose()
        {
            SemCtl(_semid, 0, IPC_RMID);
            ShmCtl(_shmid, IPC_RMID, null);
        }
    }
}
