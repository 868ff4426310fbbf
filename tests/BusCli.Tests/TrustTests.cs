using System.Globalization;
using BusCli.Tests.Infrastructure;
using Mono.Unix.Native;

namespace BusCli.Tests;

/// <summary>
/// Issue 22, N1 and N2: a key file is trusted to name a bus only as far as it can tell. Its
/// objects must have been created by its owner or root (N1: another user cannot plant objects
/// at the keys of a vanished bus and have root use them), and a key file made in another IPC
/// namespace is never taken for stale, replaced or unlinked from this one (N2: a container that
/// shares the key-file directory cannot destroy the host's live bus).
/// </summary>
public sealed class TrustTests : IDisposable
{
    private readonly CliSandbox _sandbox = new();

    public TrustTests()
    {
        // Like /tmp: everyone may create files; only a file's owner may rename or remove it.
        File.SetUnixFileMode(_sandbox.Directory, (UnixFileMode)Convert.ToInt32("1777", 8));
    }

    public void Dispose() => _sandbox.Dispose();

    private static (int Sem, int Shm) Keys(string path)
    {
        string[] lines = File.ReadAllLines(path);
        return (int.Parse(lines[0], CultureInfo.InvariantCulture), int.Parse(lines[1], CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// A C program that makes a bus's two objects at the keys given, with the mode given and
    /// the semaphores at rest (0 0 1 0 0), then, unless the uid is -1, gives both to that uid
    /// and gid (IPC_SET, which their creator may do whoever owns them).
    /// </summary>
    private static readonly Lazy<string> Planter = new(() =>
    {
        string directory = Directory.CreateTempSubdirectory("buscli-planter-").FullName;
        AsNobody.MakeSearchable(directory);
        string source = Path.Combine(directory, "plant.c"), binary = Path.Combine(directory, "plant");
        File.WriteAllText(source, """
            #include <stdio.h>
            #include <stdlib.h>
            #include <sys/ipc.h>
            #include <sys/sem.h>
            #include <sys/shm.h>
            union semun { int val; struct semid_ds *buf; unsigned short *array; };
            int main(int argc, char **argv)
            {
                if (argc != 5) return 2;
                key_t semkey = atoi(argv[1]), shmkey = atoi(argv[2]);
                int mode = (int)strtol(argv[3], NULL, 8);
                long uid = atol(argv[4]);
                unsigned short values[5] = { 0, 0, 1, 0, 0 };
                union semun arg;
                int semid = semget(semkey, 5, IPC_CREAT | IPC_EXCL | mode);
                if (semid < 0) { perror("semget"); return 1; }
                arg.array = values;
                if (semctl(semid, 0, SETALL, arg) != 0) { perror("SETALL"); return 1; }
                int shmid = shmget(shmkey, 2048, IPC_CREAT | IPC_EXCL | mode);
                if (shmid < 0) { perror("shmget"); return 1; }
                if (uid < 0) return 0;
                struct semid_ds sem;
                arg.buf = &sem;
                if (semctl(semid, 0, IPC_STAT, arg) != 0) { perror("sem IPC_STAT"); return 1; }
                sem.sem_perm.uid = (uid_t)uid;
                sem.sem_perm.gid = (gid_t)uid;
                if (semctl(semid, 0, IPC_SET, arg) != 0) { perror("sem IPC_SET"); return 1; }
                struct shmid_ds shm;
                if (shmctl(shmid, IPC_STAT, &shm) != 0) { perror("shm IPC_STAT"); return 1; }
                shm.shm_perm.uid = (uid_t)uid;
                shm.shm_perm.gid = (gid_t)uid;
                if (shmctl(shmid, IPC_SET, &shm) != 0) { perror("shm IPC_SET"); return 1; }
                return 0;
            }
            """);
        RunProgram("cc", "-std=gnu11", "-Wall", "-Werror", "-o", binary, source);
        File.SetUnixFileMode(binary, (UnixFileMode)Convert.ToInt32("755", 8));
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(directory, recursive: true);
        return binary;
    });

    private static string RunProgram(string file, params string[] arguments)
    {
        RunResult result = ChildProcess.Run(file, arguments, TimeSpan.FromSeconds(60));
        Assert.True(result.ExitCode == 0, $"{file} {string.Join(' ', arguments)} exited {result.ExitCode}: {result.Stderr}");
        return result.Stdout;
    }

    /// <summary>Runs the planter as nobody.</summary>
    private static void PlantAsNobody((int Sem, int Shm) keys, string mode, long giveTo)
        => RunProgram("setpriv", [.. AsNobody.SetprivOptions, Planter.Value,
            keys.Sem.ToString(CultureInfo.InvariantCulture), keys.Shm.ToString(CultureInfo.InvariantCulture), mode,
            giveTo.ToString(CultureInfo.InvariantCulture)]);

    private static void RemoveObjects((int Sem, int Shm) keys)
    {
        // Either may be gone already; ipcrm then says so and exits 1, which is fine here.
        foreach (string[] arguments in new[] { new[] { "-S", keys.Sem.ToString(CultureInfo.InvariantCulture) }, ["-M", keys.Shm.ToString(CultureInfo.InvariantCulture)] })
        {
            Assert.NotEqual(-1, ChildProcess.Run("ipcrm", arguments, TimeSpan.FromSeconds(60)).ExitCode);
        }
    }

    /// <summary>Owner and creator of the semaphore array at <paramref name="key"/> (/proc/sysvipc/sem), or null.</summary>
    private static (uint Uid, uint Cuid)? SemaphoreOwner(int key)
        => IpcTable.Semaphores().FirstOrDefault(o => o.Key == key) is { } o ? (o.Uid, o.CreatorUid) : null;

    private static void AssertOneLineNaming(string path, RunResult r, string contains)
    {
        Assert.True(r.ExitCode == 1, r.ToString());
        string[] lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, r.ToString());
        Assert.StartsWith($"bus: {path}: ", lines[0], StringComparison.Ordinal);
        Assert.Contains(contains, lines[0], StringComparison.Ordinal);
    }

    private static uint FileOwner(string path)
    {
        Assert.Equal(0, Syscall.lstat(path, out Stat st));
        return st.st_uid;
    }

    // ---- N1: objects planted at a vanished bus's keys ----

    [RootFact]
    public void Objects_another_user_planted_at_a_vanished_root_buses_keys_are_never_taken_for_roots_bus()
    {
        string bus = _sandbox.CreateBus("svc");
        (int Sem, int Shm) planted = Keys(bus);
        RemoveObjects(planted); // a reboot, logind's RemoveIPC or an ipcrm: the key file stays
        try
        {
            // nobody makes objects at those keys, world-writable, and hands them to root.
            PlantAsNobody(planted, "666", giveTo: 0);
            Assert.Equal((0u, AsNobody.Uid), SemaphoreOwner(planted.Sem));

            AssertOneLineNaming(bus, _sandbox.Run("broadcast", bus, "secret"), "created by uid 65534");
            AssertOneLineNaming(bus, _sandbox.Run("status", bus), "created by uid 65534");
            AssertOneLineNaming(bus, _sandbox.Run("listen", bus), "created by uid 65534");
            RunResult list = _sandbox.Run("list", _sandbox.Directory);
            Assert.True(list.ExitCode == 0, list.ToString());
            Assert.Equal([$"{bus}\tuntrusted\t-"], list.StdoutLines);

            // create puts fresh objects in place, as for a stale key file; the planted ones are left as they are.
            RunResult create = _sandbox.Run("create", bus);
            Assert.True(create.ExitCode == 0, create.ToString());
            _sandbox.RememberKeys(bus);
            (int Sem, int Shm) fresh = Keys(bus);
            Assert.NotEqual(planted.Sem, fresh.Sem);
            Assert.NotEqual(planted.Shm, fresh.Shm);
            Assert.Equal((0u, 0u), SemaphoreOwner(fresh.Sem));
            Assert.Equal((0u, AsNobody.Uid), SemaphoreOwner(planted.Sem));
            RunResult broadcast = _sandbox.Run("broadcast", bus, "secret");
            Assert.True(broadcast.ExitCode == 0, broadcast.ToString());
        }
        finally
        {
            RemoveObjects(planted);
        }
    }

    [RootFact]
    public void A_user_whose_vanished_buses_keys_another_user_took_gets_a_fresh_bus_from_create()
    {
        // uid 1 (daemon) owns a bus; its objects vanish; nobody makes objects at its keys and
        // keeps them, mode 0600, so that their owner cannot even read them.
        const uint owner = 1;
        string bus = _sandbox.PathFor("daemons");
        RunResult made = RunShell(Nobody.CommandAs(owner, "create", "-x", bus));
        Assert.True(made.ExitCode == 0, made.ToString());
        _sandbox.RememberKeys(bus);
        (int Sem, int Shm) planted = Keys(bus);
        RemoveObjects(planted);
        try
        {
            PlantAsNobody(planted, "600", giveTo: -1);
            Assert.Equal(1, RunShell(Nobody.CommandAs(owner, "broadcast", bus, "x")).ExitCode);

            RunResult create = RunShell(Nobody.CommandAs(owner, "create", bus));
            Assert.True(create.ExitCode == 0, create.ToString());
            _sandbox.RememberKeys(bus);
            Assert.NotEqual(planted, Keys(bus));
            Assert.Equal((owner, owner), SemaphoreOwner(Keys(bus).Sem));
            Assert.Equal(0, RunShell(Nobody.CommandAs(owner, "broadcast", bus, "x")).ExitCode);
        }
        finally
        {
            RemoveObjects(planted);
        }
    }

    [RootFact]
    public void Remove_chmod_and_chown_refuse_a_bus_whose_objects_another_user_created()
    {
        string bus = _sandbox.CreateBus("svc");
        (int Sem, int Shm) planted = Keys(bus);
        RemoveObjects(planted);
        try
        {
            PlantAsNobody(planted, "600", giveTo: 0);
            AssertOneLineNaming(bus, _sandbox.Run("remove", bus), "created by uid 65534");
            AssertOneLineNaming(bus, _sandbox.Run("chmod", "600", bus), "created by uid 65534");
            AssertOneLineNaming(bus, _sandbox.Run("chown", "0", bus), "created by uid 65534");
            Assert.True(File.Exists(bus));
            Assert.Equal((0u, AsNobody.Uid), SemaphoreOwner(planted.Sem));
        }
        finally
        {
            RemoveObjects(planted);
        }
    }

    [RootFact]
    public void Objects_with_modes_wider_than_the_key_file_allows_are_refused_and_bus_chmod_sets_them_again()
    {
        string bus = _sandbox.CreateBus("svc");
        Assert.Equal(0, _sandbox.Run("chmod", "666", bus).ExitCode);
        File.SetUnixFileMode(bus, (UnixFileMode)Convert.ToInt32("600", 8)); // the key file alone narrowed

        AssertOneLineNaming(bus, _sandbox.Run("broadcast", bus, "x"), "wider than the key file");
        // create does not swap out the owner's own objects (listeners may be on them): it refuses too.
        AssertOneLineNaming(bus, _sandbox.Run("create", bus), "wider than the key file");
        RunResult chmod = _sandbox.Run("chmod", "600", bus);
        Assert.True(chmod.ExitCode == 0, chmod.ToString());
        Assert.Equal(0, _sandbox.Run("broadcast", bus, "x").ExitCode);
    }

    [RootFact]
    public void Chown_refuses_to_give_a_bus_to_anyone_but_the_user_who_created_its_objects_or_root_created_them()
    {
        // nobody's own bus: its objects' creator (cuid) is nobody, and stays nobody.
        string bus = _sandbox.PathFor("nobodys");
        RunResult made = Nobody.Run(_sandbox, "create", "-x", bus);
        Assert.True(made.ExitCode == 0, made.ToString());
        _sandbox.RememberKeys(bus);

        // Given to another user (or to root), nobody would keep IPC_SET and IPC_RMID on it.
        foreach (string owner in new[] { "1", "0", "root" })
        {
            AssertOneLineNaming(bus, _sandbox.Run("chown", owner, bus), "created by uid 65534");
            Assert.Equal(AsNobody.Uid, FileOwner(bus));
            Assert.Equal((AsNobody.Uid, AsNobody.Uid), SemaphoreOwner(Keys(bus).Sem));
        }
        // Its group may change, and the bus stays usable by all.
        Assert.Equal(0, _sandbox.Run("chown", "65534:1", bus).ExitCode);
        Assert.Equal(0, _sandbox.Run("broadcast", bus, "x").ExitCode);
        Assert.Equal(0, Nobody.Run(_sandbox, "broadcast", bus, "x").ExitCode);

        // A bus root created may be given to anyone, and stays usable by its new owner and by root.
        string rootBus = _sandbox.CreateBus("roots");
        RunResult given = _sandbox.Run("chown", "65534", rootBus);
        Assert.True(given.ExitCode == 0, given.ToString());
        Assert.Equal(AsNobody.Uid, FileOwner(rootBus));
        Assert.Equal(0, Nobody.Run(_sandbox, "broadcast", rootBus, "x").ExitCode);
        Assert.Equal(0, _sandbox.Run("broadcast", rootBus, "x").ExitCode);
        Assert.Equal(0, Nobody.Run(_sandbox, "chmod", "640", rootBus).ExitCode);
        Assert.Equal(0, _sandbox.Run("status", rootBus).ExitCode);
    }

    // ---- N2: another IPC namespace sharing the directory ----

    /// <summary>Runs <c>bus ARGUMENTS</c> in a new IPC namespace of its own (unshare --ipc), in the sandbox.</summary>
    private RunResult RunInOtherNamespace(params string[] arguments)
    {
        using CliProcess process = _sandbox.Shell("exec unshare --ipc -- \"$BUS\" " + string.Join(' ', arguments.Select(Nobody.Quote)));
        process.Stdin.Close();
        return process.WaitForExit();
    }

    [RootFact]
    public void Another_IPC_namespace_sharing_the_directory_never_takes_the_live_bus_for_stale()
    {
        string live = _sandbox.CreateBus("live");
        string keys = File.ReadAllText(live);
        using CliProcess listener = _sandbox.Start("listen", "--ready", live);
        listener.WaitUntilListening();

        RunResult gc = RunInOtherNamespace("gc", _sandbox.Directory);
        Assert.True(gc.ExitCode == 0, gc.ToString());
        Assert.Contains("another IPC namespace", gc.Stdout + gc.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("removed", gc.Stdout, StringComparison.Ordinal);
        AssertOneLineNaming(live, RunInOtherNamespace("create", live), "another IPC namespace");
        AssertOneLineNaming(live, RunInOtherNamespace("remove", live), "another IPC namespace");
        AssertOneLineNaming(live, RunInOtherNamespace("status", live), "another IPC namespace");
        AssertOneLineNaming(live, RunInOtherNamespace("broadcast", live, "x"), "another IPC namespace");
        RunResult list = RunInOtherNamespace("list", _sandbox.Directory);
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Equal([$"{live}\tother-namespace\t-"], list.StdoutLines);

        // The host's bus is untouched and still delivers.
        Assert.Equal(keys, File.ReadAllText(live));
        Assert.Equal(0, _sandbox.Run("broadcast", live, "still here").ExitCode);
        listener.WaitFor((output, _) => output.Contains("still here", StringComparison.Ordinal), "the broadcast");
    }

    [RootFact]
    public void A_key_file_without_the_namespace_record_is_judged_as_before()
    {
        // As a C program or an older LibBus writes it: two lines. In another namespace its keys name nothing: stale.
        string bus = _sandbox.CreateBus("old");
        string[] lines = File.ReadAllLines(bus);
        File.WriteAllText(bus, $"{lines[0]}\n{lines[1]}\n");

        RunResult status = RunInOtherNamespace("status", bus);
        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Contains("stale", status.Stdout, StringComparison.Ordinal);
        RunResult list = RunInOtherNamespace("list", _sandbox.Directory);
        Assert.Equal([$"{bus}\tstale\t-"], list.StdoutLines);
    }

    [RootFact]
    public void A_bus_made_in_another_namespace_is_used_and_replaced_there_as_usual()
    {
        // Two children in namespaces of their own share the directory: each sees only its own bus as live.
        string path = _sandbox.PathFor("child");
        RunResult both = RunShell(
            $"unshare --ipc -- sh -c '\"$BUS\" create {Nobody.Quote(path)} && \"$BUS\" broadcast {Nobody.Quote(path)} one && \"$BUS\" remove {Nobody.Quote(path)} && \"$BUS\" create {Nobody.Quote(path)} && cat {Nobody.Quote(path)}'");
        Assert.True(both.ExitCode == 0, both.ToString());
        Assert.Matches(@"^-?\d+\n-?\d+\nipc:\[\d+\]\n$", both.Stdout);
        Assert.NotEqual(NamespaceOfThisProcess(), File.ReadAllLines(path)[2]);
        // That namespace is gone with its objects; here the file is of another namespace and stays.
        AssertOneLineNaming(path, _sandbox.Run("remove", path), "another IPC namespace");
        File.Delete(path);
    }

    private RunResult RunShell(string script)
    {
        using CliProcess process = _sandbox.Shell(script);
        process.Stdin.Close();
        return process.WaitForExit();
    }

    private static string NamespaceOfThisProcess() => new FileInfo("/proc/self/ns/ipc").LinkTarget!;
}
