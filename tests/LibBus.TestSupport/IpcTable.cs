using System.Globalization;

namespace LibBus.TestSupport;

/// <summary>
/// Reads /proc/sysvipc/sem and /proc/sysvipc/shm: the objects of this process's IPC namespace,
/// whoever made them: the one reader of that table for every test project. semctl is LibBus's
/// own (src/LibBus/Interop/Interop.SemCtl.cs), linked in (tests/Shared/Interop.props).
/// </summary>
public static class IpcTable
{
    public static List<IpcObject> Semaphores() => Read("/proc/sysvipc/sem", isSegment: false);

    public static List<IpcObject> Segments() => Read("/proc/sysvipc/shm", isSegment: true);

    /// <summary>
    /// The line of /proc/sysvipc/sem (or /shm with <paramref name="isSegment"/>) of the object at
    /// <paramref name="key"/>, as the kernel wrote it: values, times, attach counts, last pids.
    /// Fails unless exactly one object has that key.
    /// </summary>
    public static string Line(int key, bool isSegment)
        => File.ReadAllLines(isSegment ? "/proc/sysvipc/shm" : "/proc/sysvipc/sem").Skip(1)
            .Single(l => int.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], CultureInfo.InvariantCulture) == key);

    /// <summary>
    /// The processes that last changed each semaphore of array <paramref name="semid"/>
    /// (<c>semctl GETPID</c>: set by <c>semop</c>, <c>SETVAL</c> and <c>SETALL</c>, so also by
    /// the process that initialized it); empty if the array is gone or not readable.
    /// </summary>
    public static IEnumerable<int> LastChangedBy(IpcObject semaphores)
    {
        var pids = new List<int>();
        for (int i = 0; i < semaphores.Size; i++)
        {
            int pid = Interop.Libc.SemCtl(semaphores.Id, i, Interop.Libc.GETPID);
            if (pid < 0) break;
            pids.Add(pid);
        }
        return pids;
    }

    private static List<IpcObject> Read(string file, bool isSegment)
    {
        string[] lines = File.ReadAllLines(file);
        string[] header = lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        int Col(string name) => Array.IndexOf(header, name);
        int key = Col("key"), id = Col(isSegment ? "shmid" : "semid"), perms = Col("perms"), uid = Col("uid"),
            gid = Col("gid"), size = Col(isSegment ? "size" : "nsems"), cpid = Col("cpid"), cuid = Col("cuid");
        var result = new List<IpcObject>();
        foreach (string line in lines.Skip(1))
        {
            string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < header.Length) continue;
            result.Add(new IpcObject(isSegment, int.Parse(f[key]), int.Parse(f[id]), Convert.ToInt32(f[perms], 8),
                uint.Parse(f[uid]), uint.Parse(f[gid]), long.Parse(f[size]), isSegment ? int.Parse(f[cpid]) : 0, uint.Parse(f[cuid])));
        }
        return result;
    }
}
