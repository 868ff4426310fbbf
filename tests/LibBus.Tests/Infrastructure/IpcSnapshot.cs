namespace LibBus.Tests.Infrastructure;

/// <summary>The System V semaphore arrays and segments of this machine, from /proc/sysvipc.</summary>
public sealed record IpcSnapshot(IReadOnlySet<int> SemaphoreIds, IReadOnlySet<int> SegmentIds)
{
    public static IpcSnapshot Take() => new(ReadIds("/proc/sysvipc/sem"), ReadIds("/proc/sysvipc/shm"));

    private static HashSet<int> ReadIds(string file)
    {
        // Header line, then "key id perms ..." per object.
        return File.ReadLines(file).Skip(1)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length > 1)
            .Select(f => int.Parse(f[1]))
            .ToHashSet();
    }

    /// <summary>What exists now that did not in <paramref name="before"/>.</summary>
    public string LeakedSince(IpcSnapshot before)
    {
        var sems = SemaphoreIds.Except(before.SemaphoreIds).ToList();
        var shms = SegmentIds.Except(before.SegmentIds).ToList();
        return sems.Count + shms.Count == 0 ? ""
            : $"leaked semaphore arrays [{string.Join(", ", sems)}], segments [{string.Join(", ", shms)}]";
    }
}
