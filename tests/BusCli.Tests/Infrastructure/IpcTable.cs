namespace BusCli.Tests.Infrastructure;

/// <summary>One System V object as /proc/sysvipc lists it.</summary>
public sealed record IpcObject(int Key, int Id, int Mode, uint Uid, uint Gid, int CreatorPid);

/// <summary>Reads /proc/sysvipc/sem and /proc/sysvipc/shm (what <c>ipcs -s</c> / <c>ipcs -m</c> show).</summary>
public static class IpcTable
{
    public static List<IpcObject> Semaphores() => Read("/proc/sysvipc/sem", isSegment: false);
    public static List<IpcObject> Segments() => Read("/proc/sysvipc/shm", isSegment: true);

    private static List<IpcObject> Read(string file, bool isSegment)
    {
        var lines = File.ReadAllLines(file);
        string[] header = lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        int Col(string name) => Array.IndexOf(header, name);
        var result = new List<IpcObject>();
        foreach (string line in lines.Skip(1))
        {
            string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < header.Length) continue;
            result.Add(new IpcObject(
                int.Parse(f[Col("key")]),
                int.Parse(f[Col(isSegment ? "shmid" : "semid")]),
                Convert.ToInt32(f[Col("perms")], 8),
                uint.Parse(f[Col("uid")]),
                uint.Parse(f[Col("gid")]),
                isSegment ? int.Parse(f[Col("cpid")]) : 0));
        }
        return result;
    }
}
