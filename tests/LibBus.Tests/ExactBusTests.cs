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
        var threads = Enumerable.Range(0, 3).Select(_ => new Thread(() =>
        {
            for (int i = 0; i < 400; i++)
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
