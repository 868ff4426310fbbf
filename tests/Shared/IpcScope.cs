namespace LibBus.TestSupport;

/// <summary>
/// One System V object as /proc/sysvipc lists it (what <c>ipcs -s</c> / <c>ipcs -m</c> show).
/// <paramref name="Size"/> is the number of semaphores of an array, the bytes of a segment;
/// <paramref name="CreatorPid"/> is known for segments only (0 for semaphore arrays).
/// </summary>
internal sealed record IpcObject(bool IsSegment, int Key, int Id, int Mode, uint Uid, uint Gid, long Size, int CreatorPid);

/// <summary>
/// Reads /proc/sysvipc/sem and /proc/sysvipc/shm: the objects of this process's IPC namespace,
/// whoever made them. Compiled into every test project from tests/Shared; semctl is LibBus's own
/// (src/Common/Interop/Interop.SemCtl.cs), seen through InternalsVisibleTo or linked in.
/// </summary>
internal static class IpcTable
{
    public static List<IpcObject> Semaphores() => Read("/proc/sysvipc/sem", isSegment: false);

    public static List<IpcObject> Segments() => Read("/proc/sysvipc/shm", isSegment: true);

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
            gid = Col("gid"), size = Col(isSegment ? "size" : "nsems"), cpid = Col("cpid");
        var result = new List<IpcObject>();
        foreach (string line in lines.Skip(1))
        {
            string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < header.Length) continue;
            result.Add(new IpcObject(isSegment, int.Parse(f[key]), int.Parse(f[id]), Convert.ToInt32(f[perms], 8),
                uint.Parse(f[uid]), uint.Parse(f[gid]), long.Parse(f[size]), isSegment ? int.Parse(f[cpid]) : 0));
        }
        return result;
    }
}

/// <summary>
/// The IPC objects that belong to one test (or campaign trial), for its leak check. The check
/// never compares the whole namespace: other test projects, other programs on the machine, or
/// tests/ipc-churn.sh may create and remove objects meanwhile. An object is the test's if it is
/// new since the scope began and it has the key of a bus the test used, or it is a segment one
/// of the test's processes created, or a semaphore array one of its processes last changed
/// (creating a bus initializes the array with <c>SETALL</c>, which records the process).
/// </summary>
internal sealed class IpcScope
{
    private readonly HashSet<int> _semaphoresBefore = IpcTable.Semaphores().Select(o => o.Id).ToHashSet();
    private readonly HashSet<int> _segmentsBefore = IpcTable.Segments().Select(o => o.Id).ToHashSet();
    private readonly HashSet<int> _keys = new();
    private readonly HashSet<int> _pids = new() { Environment.ProcessId };

    /// <summary>A key of a bus (or any object) the test made or used.</summary>
    public void AddKey(int key)
    {
        lock (_keys) _keys.Add(key);
    }

    /// <summary>
    /// Both keys of the key file at <paramref name="path"/>; false if it is not one (left as
    /// it is). Reads only a small regular file, never through a symlink (a FIFO would block).
    /// </summary>
    public bool AddKeyFile(string path)
    {
        string[] lines;
        try
        {
            var info = new FileInfo(path);
            if (info.LinkTarget is not null || !info.Exists || info.Length is 0 or > 4096) return false;
            lines = File.ReadLines(path).Take(2).ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
        if (lines.Length < 2 || !int.TryParse(lines[0], out int semKey) || !int.TryParse(lines[1], out int shmKey))
            return false;
        AddKey(semKey);
        AddKey(shmKey);
        return true;
    }

    /// <summary>A process the test started.</summary>
    public void AddProcess(int pid)
    {
        lock (_pids) _pids.Add(pid);
    }

    /// <summary>The test's objects that exist now and did not when the scope began.</summary>
    public List<IpcObject> Leaked()
    {
        HashSet<int> keys, pids;
        lock (_keys) keys = [.. _keys];
        lock (_pids) pids = [.. _pids];
        var sems = IpcTable.Semaphores().Where(o => !_semaphoresBefore.Contains(o.Id)
            && (keys.Contains(o.Key) || IpcTable.LastChangedBy(o).Any(pids.Contains)));
        var shms = IpcTable.Segments().Where(o => !_segmentsBefore.Contains(o.Id)
            && (keys.Contains(o.Key) || pids.Contains(o.CreatorPid)));
        return [.. sems, .. shms];
    }

    /// <summary>"" if nothing leaked, else one line naming every leaked object.</summary>
    public string DescribeLeaks()
    {
        List<IpcObject> leaked = Leaked();
        return leaked.Count == 0 ? "" : "leaked " + string.Join(", ", leaked.Select(o => o.IsSegment
            ? $"segment {o.Id} (key {o.Key}, creator {o.CreatorPid})"
            : $"semaphore array {o.Id} (key {o.Key})"));
    }
}
