using System.Globalization;
using static LibBus.Interop.Libc;

namespace LibBus;

public sealed partial class Bus
{
    /// <summary>
    /// Cleans up what reboots, logouts (systemd-logind's RemoveIPC), a stray <c>rm</c> of a key
    /// file or a killed <c>bus run</c> leave behind, in <paramref name="directories"/> (not their
    /// subdirectories). Only the caller's own files and objects are touched:
    /// <list type="bullet">
    /// <item>a stale key file (both objects gone, and made in this IPC namespace or recording none)
    /// owned by the caller is unlinked, only while the name still is the file found stale; one of
    /// another IPC namespace is reported as <see cref="BusGarbageKind.OtherNamespace"/> and left;</item>
    /// <item>a bus of a <see cref="PrivateBus"/> (key file <c>run.PID.*</c>, its segment created by
    /// process PID) is removed with <see cref="Remove(string)"/> when PID no longer exists, no
    /// process has the segment attached, and the semaphores are at rest with no listener joined
    /// and nobody waiting (S = W = N = 0, X = 1, every wait count 0);</item>
    /// <item>with <see cref="BusGarbageOptions.Orphans"/>, an IPC object of exactly a bus's shape
    /// (an array of 5 semaphores, a segment of 2048 bytes), owned by the caller, with a key other
    /// than IPC_PRIVATE that no key file in the directories names, is removed if it is unused: a
    /// semaphore array at rest as above whose last operation and last change are at least
    /// <see cref="BusGarbageOptions.MinimumIdle"/> old; a segment with no process attached whose
    /// last attach, detach and change are that old. Each object is read again by its identifier
    /// just before it is removed.</item>
    /// </list>
    /// Key files that cannot be read and anything that is not a bus are skipped.
    /// </summary>
    /// <returns>What was found, in the order found.</returns>
    /// <exception cref="BusNotFoundException">A directory does not exist.</exception>
    public static IReadOnlyList<BusGarbage> CollectGarbage(IEnumerable<string> directories, BusGarbageOptions options)
    {
        ArgumentNullException.ThrowIfNull(directories);
        ArgumentNullException.ThrowIfNull(options);
        var found = new List<BusGarbage>();
        var named = new HashSet<int>();
        foreach (string directory in directories)
        {
            foreach (string path in KeyFileCandidates(directory))
            {
                try
                {
                    CollectKeyFile(path, options.DryRun, named, found);
                }
                catch (BusException e) when (e is BusKeyFileCorruptException or BusNotFoundException or BusAccessDeniedException)
                {
                    // Not a bus key file, gone meanwhile, or not ours.
                }
            }
        }
        if (options.Orphans)
        {
            uint user = CurrentUser;
            long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            long idleSince = now - (long)Math.Ceiling(options.MinimumIdle.TotalSeconds);
            foreach (var (key, id) in IpcList("/proc/sysvipc/sem", "semid", "nsems", Semaphores.Count, user, named))
                if (OrphanSemaphoreArray(key, id, user, idleSince, options.DryRun) is { } garbage) found.Add(garbage);
            foreach (var (key, id) in IpcList("/proc/sysvipc/shm", "shmid", "size", SharedSegmentHandle.Size, user, named))
                if (OrphanSegment(key, id, user, idleSince, options.DryRun) is { } garbage) found.Add(garbage);
        }
        return found;
    }

    private static void CollectKeyFile(string path, bool dryRun, HashSet<int> named, List<BusGarbage> found)
    {
        BusObjects objects;
        bool ownFile;
        using (KeyFile file = KeyFile.Open(path))
        {
            named.Add(file.Keys.SemaphoreKey);
            named.Add(file.Keys.SegmentKey);
            ownFile = file.Uid == CurrentUser;
            if (ownFile && !IpcNamespace.IsHere(file.IpcNamespace))
            {
                found.Add(new BusGarbage(BusGarbageKind.OtherNamespace, path, 0, -1, false, null));
                return;
            }
            objects = BusObjects.Find(path, file.Keys);
        }
        if (!ownFile) return;
        if (objects.NoneExists)
        {
            if (RemoveIfStale(path, dryRun) is { } removal)
                found.Add(new BusGarbage(BusGarbageKind.StaleKeyFile, path, 0, -1, removal.Removed, removal.Error));
            return;
        }
        if (!objects.BothExist || !PrivateBus.IsAbandoned(path, objects)) return;
        if (dryRun)
        {
            found.Add(new BusGarbage(BusGarbageKind.AbandonedPrivateBus, path, 0, -1, false, null));
            return;
        }
        try
        {
            Remove(path);
            found.Add(new BusGarbage(BusGarbageKind.AbandonedPrivateBus, path, 0, -1, true, null));
        }
        catch (BusException e)
        {
            found.Add(new BusGarbage(BusGarbageKind.AbandonedPrivateBus, path, 0, -1, false, e.Message));
        }
    }

    /// <summary>
    /// (key, id) of the objects in <paramref name="table"/> (/proc/sysvipc) whose
    /// <paramref name="sizeColumn"/> is <paramref name="size"/>, owned by <paramref name="user"/>,
    /// with a key that is not IPC_PRIVATE and not in <paramref name="named"/>.
    /// </summary>
    private static List<(int Key, int Id)> IpcList(string table, string idColumn, string sizeColumn, int size, uint user, HashSet<int> named)
    {
        var result = new List<(int, int)>();
        string[] lines;
        try
        {
            lines = File.ReadAllLines(table);
        }
        catch (IOException e)
        {
            throw new BusException($"{table}: cannot list the IPC objects: {e.Message}", table);
        }
        if (lines.Length == 0) return result;
        string[] header = lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        int keyAt = Array.IndexOf(header, "key"), idAt = Array.IndexOf(header, idColumn);
        int sizeAt = Array.IndexOf(header, sizeColumn), uidAt = Array.IndexOf(header, "uid");
        if (keyAt < 0 || idAt < 0 || sizeAt < 0 || uidAt < 0)
            throw new BusException($"{table}: unexpected format", table);
        foreach (string line in lines.Skip(1))
        {
            string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < header.Length
                || !int.TryParse(f[keyAt], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int key)
                || !int.TryParse(f[idAt], NumberStyles.None, CultureInfo.InvariantCulture, out int id)
                || !ulong.TryParse(f[sizeAt], NumberStyles.None, CultureInfo.InvariantCulture, out ulong objectSize)
                || !uint.TryParse(f[uidAt], NumberStyles.None, CultureInfo.InvariantCulture, out uint uid))
                continue;
            if (objectSize == (ulong)size && uid == user && key != 0 && !named.Contains(key))
                result.Add((key, id));
        }
        return result;
    }

    private static unsafe BusGarbage? OrphanSemaphoreArray(int key, int id, uint user, long idleSince, bool dryRun)
    {
        SemidDs stat;
        if (SemCtl(id, 0, IPC_STAT, &stat) != 0) return null; // gone, or not readable: not touched
        if (stat.Perm.Key != key || stat.Perm.Uid != user || stat.NSems != (nuint)Semaphores.Count) return null;
        if (stat.OTime > idleSince || stat.CTime > idleSince) return null;
        BusSemaphoreArrayStatus? status;
        try
        {
            status = ReadSemaphores($"semaphore array {id}", id, stat);
        }
        catch (BusException)
        {
            return null;
        }
        if (status is null || !AtRestWithoutListeners(status)) return null;
        return Orphan(BusGarbageKind.OrphanSemaphoreArray, key, id, dryRun, () => SemCtl(id, 0, IPC_RMID));
    }

    private static unsafe BusGarbage? OrphanSegment(int key, int id, uint user, long idleSince, bool dryRun)
    {
        ShmidDs stat;
        if (ShmCtl(id, IPC_STAT, &stat) != 0) return null;
        if (stat.Perm.Key != key || stat.Perm.Uid != user || stat.SegSz != (nuint)SharedSegmentHandle.Size) return null;
        if (stat.NAttch != 0 || stat.ATime > idleSince || stat.DTime > idleSince || stat.CTime > idleSince) return null;
        return Orphan(BusGarbageKind.OrphanSegment, key, id, dryRun, () => ShmCtl(id, IPC_RMID, null));
    }

    private static BusGarbage Orphan(BusGarbageKind kind, int key, int id, bool dryRun, Func<int> remove)
    {
        if (dryRun) return new BusGarbage(kind, null, key, id, false, null);
        if (remove() == 0) return new BusGarbage(kind, null, key, id, true, null);
        return new BusGarbage(kind, null, key, id, false, Interop.Errors.Text(Interop.Errors.LastErrno));
    }

    /// <summary>
    /// The semaphores of a bus nobody uses: no listener joined or holding a message (S = W = 0), no
    /// delivery (N = 0), the lock free (X = 1), and no process blocked on any of them.
    /// </summary>
    internal static bool AtRestWithoutListeners(BusSemaphoreArrayStatus status)
        => status["S"].Value == 0 && status["W"].Value == 0 && status["N"].Value == 0 && status["X"].Value == 1
           && status.Semaphores.All(s => s.WaitingForIncrease == 0 && s.WaitingForZero == 0);
}
