namespace LibBus.TestSupport;

/// <summary>
/// The IPC objects that belong to one test (or campaign trial), for its leak check. The check
/// never compares the whole namespace: other test projects, other programs on the machine, or
/// tests/ipc-churn.sh may create and remove objects meanwhile. An object is the test's if it is
/// new since the scope began and it has the key of a bus the test used, or it is a segment one
/// of the test's processes created, or a semaphore array one of its processes last changed
/// (creating a bus initializes the array with <c>SETALL</c>, which records the process).
/// </summary>
public sealed class IpcScope
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
