namespace LibBus.Campaign;

/// <summary>The System V objects of the machine, from /proc/sysvipc (what <c>ipcs -s</c> and <c>ipcs -m</c> show).</summary>
public static class IpcObjects
{
    /// <summary>(key, id) of every semaphore array.</summary>
    public static List<(int Key, int Id)> Semaphores()
        => Read("/proc/sysvipc/sem").Select(f => (int.Parse(f[0]), int.Parse(f[1]))).ToList();

    /// <summary>(key, id, creator pid) of every shared memory segment.</summary>
    public static List<(int Key, int Id, int CreatorPid)> Segments()
    {
        string[] header = File.ReadLines("/proc/sysvipc/shm").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        int cpid = Array.IndexOf(header, "cpid");
        return Read("/proc/sysvipc/shm").Select(f => (int.Parse(f[0]), int.Parse(f[1]), int.Parse(f[cpid]))).ToList();
    }

    private static IEnumerable<string[]> Read(string file)
        => File.ReadAllLines(file).Skip(1)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length > 2);

    /// <summary>
    /// Objects that belong to a trial and still exist: a key of one of its buses, or a
    /// segment created by one of its processes. Objects made meanwhile by other
    /// programs on the machine are not the trial's.
    /// </summary>
    public static string Leaked(IReadOnlySet<int> keys, IReadOnlySet<int> pids)
    {
        var sems = Semaphores().Where(s => keys.Contains(s.Key)).Select(s => $"semaphore array {s.Id} (key {s.Key})");
        var shms = Segments().Where(s => keys.Contains(s.Key) || pids.Contains(s.CreatorPid))
            .Select(s => $"segment {s.Id} (key {s.Key}, creator {s.CreatorPid})");
        return string.Join(", ", sems.Concat(shms));
    }
}
