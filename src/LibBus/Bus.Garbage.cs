using static LibBus.Interop.Libc;

namespace LibBus;

public sealed partial class Bus
{
    /// <summary>
    /// Cleans up what reboots, logouts (systemd-logind's RemoveIPC), a stray <c>rm</c> of a key
    /// file, an <c>ipcrm</c>, a killed <c>bus create</c> or a killed <c>bus run</c> leave behind, in
    /// <paramref name="directories"/> (not their subdirectories). Only the caller's own files and
    /// objects are touched:
    /// <list type="bullet">
    /// <item>a stale key file (both objects gone, and made in this IPC namespace or recording none)
    /// owned by the caller is unlinked, only while the name still is the file found stale; one of
    /// another IPC namespace is reported as <see cref="BusGarbageKind.OtherNamespace"/> and left;</item>
    /// <item>a broken bus (one of its two objects gone) whose key file and remaining object
    /// (exactly a bus's shape, created by and owned by the caller) are the caller's is removed with
    /// <see cref="Remove(string)"/>: the remaining object, then the key file;</item>
    /// <item>a bus of a <see cref="PrivateBus"/> (key file <c>run.PID.*</c>, its segment created by
    /// process PID) is removed with <see cref="Remove(string)"/> when PID no longer exists, no
    /// process has the segment attached, and the semaphores are at rest with no listener joined
    /// and nobody waiting (S = W = N = 0, X = 1, every wait count 0);</item>
    /// <item>with <see cref="BusGarbageOptions.Orphans"/>, the objects of a bus made by
    /// <see cref="Create(string, bool)"/> whose key file is gone, wherever it was: each create
    /// records its objects and its key file's absolute path (in <c>.registry</c> in
    /// <see cref="DefaultDirectory"/>, if that exists) before it makes them and holds a lock on the
    /// record until the key file is in place; the objects are removed only if no create holds the
    /// record, neither that file nor any key file in <paramref name="directories"/> names them,
    /// and they are the recorded ones, the caller's, unused and idle for
    /// <see cref="BusGarbageOptions.MinimumIdle"/> (bus-gc(1), "Orphan objects", has the exact
    /// rule). Objects without a record (made by C programs, older LibBus, or another user) are
    /// never removed.</item>
    /// </list>
    /// Key files that cannot be read and anything that is not a bus are skipped.
    /// </summary>
    /// <returns>What was found, in the order found.</returns>
    /// <exception cref="BusNotFoundException">A directory does not exist (nothing was removed).</exception>
    /// <exception cref="BusException">A directory cannot be read (nothing was removed).</exception>
    public static IReadOnlyList<BusGarbage> CollectGarbage(IEnumerable<string> directories, BusGarbageOptions options)
        => CollectGarbageUsing(BusRegistry.Default, directories, options);

    internal static IReadOnlyList<BusGarbage> CollectGarbageUsing(BusRegistry registry, IEnumerable<string> directories, BusGarbageOptions options)
    {
        ArgumentNullException.ThrowIfNull(directories);
        ArgumentNullException.ThrowIfNull(options);
        var found = new List<BusGarbage>();
        var named = new HashSet<int>();
        // Every directory is read before anything is removed: a missing or unreadable one stops it.
        List<List<string>> candidates = directories.Select(KeyFileCandidates).ToList();
        foreach (List<string> files in candidates)
        {
            foreach (string path in files)
            {
                try
                {
                    CollectKeyFile(path, options.DryRun, named, found);
                }
                catch (BusException e) when (e is BusKeyFileCorruptException or BusObjectMismatchException or BusNotFoundException or BusAccessDeniedException)
                {
                    // Not a bus key file, gone meanwhile, or not ours.
                }
            }
        }
        if (options.Orphans) CollectOrphans(registry, named, options, found);
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
        BusGarbageKind kind;
        if (!objects.BothExist)
        {
            // Find checked the remaining object's shape; it must also be the caller's, made by the caller.
            uint user = CurrentUser;
            IpcPerm perm = objects.SemaphoreId >= 0 ? objects.Semaphores.Perm : objects.Segment.Perm;
            if (perm.Uid != user || perm.Cuid != user) return;
            kind = BusGarbageKind.BrokenBus;
        }
        else if (PrivateBus.IsAbandoned(path, objects))
        {
            kind = BusGarbageKind.AbandonedPrivateBus;
        }
        else
        {
            return;
        }
        if (dryRun)
        {
            found.Add(new BusGarbage(kind, path, 0, -1, false, null));
            return;
        }
        try
        {
            Remove(path);
            found.Add(new BusGarbage(kind, path, 0, -1, true, null));
        }
        catch (BusNotFoundException)
        {
            // Removed by someone else meanwhile.
        }
        catch (BusException e)
        {
            found.Add(new BusGarbage(kind, path, 0, -1, false, e.Message));
        }
    }

    /// <summary>
    /// The orphans of the caller's <paramref name="registry"/> (see <see cref="BusRegistry"/>). For
    /// each record the caller owns, that no create holds (its lock is taken for the whole decision
    /// and removal), and that was written in the caller's IPC and mount namespaces:
    /// <list type="bullet">
    /// <item>if neither object exists, the record is deleted (nothing is reported);</item>
    /// <item>the objects are kept if any key file in the scanned directories names either key, or
    /// if the key file the record was written for (its absolute path) names either key, or cannot
    /// be read for a reason other than not being there (no such file, or not a bus key file);</item>
    /// <item>otherwise each object that still exists must be exactly what that create made: found
    /// by the recorded key, of a bus's shape, created by and owned by the caller, with the recorded
    /// id (a create killed before it recorded the id: an array never operated on, created after the
    /// record; a segment created by the recorded process); unused (an array at rest with no
    /// listener or waiter, or never set up: all five values 0 and never operated on; a segment
    /// with nobody attached); and idle for <see cref="BusGarbageOptions.MinimumIdle"/>. Then both
    /// are removed by identifier and the record is deleted; if either fails a check, neither is
    /// touched.</item>
    /// </list>
    /// </summary>
    private static unsafe void CollectOrphans(BusRegistry registry, HashSet<int> named, BusGarbageOptions options, List<BusGarbage> found)
    {
        uint user = CurrentUser;
        long idleSince = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - (long)Math.Ceiling(options.MinimumIdle.TotalSeconds);
        string ipc = BusRegistry.Namespace("ipc"), mnt = BusRegistry.Namespace("mnt");
        foreach (BusRegistry.Record record in registry.Records())
        {
            using (record)
            {
                if (record.Ipc != ipc || record.Mnt != mnt) continue;
                BusKeys keys = record.Keys;
                int semid = SemGet(keys.SemaphoreKey, 0, 0), semErrno = semid < 0 ? Interop.Errors.LastErrno : 0;
                int shmid = ShmGet(keys.SegmentKey, 0, 0), shmErrno = shmid < 0 ? Interop.Errors.LastErrno : 0;
                if ((semid < 0 && !BusErrors.IsNoSuchKey(semErrno)) || (shmid < 0 && !BusErrors.IsNoSuchKey(shmErrno))) continue;
                if (semid < 0 && shmid < 0)
                {
                    if (!options.DryRun) record.Delete();
                    continue;
                }
                if (named.Contains(keys.SemaphoreKey) || named.Contains(keys.SegmentKey) || NamedAt(record.Path, keys)) continue;
                if ((semid >= 0 && !IsOrphanArray(semid, record, user, idleSince))
                    || (shmid >= 0 && !IsOrphanSegment(shmid, record, user, idleSince)))
                    continue;
                BusGarbage? array = semid < 0 ? null
                    : Orphan(BusGarbageKind.OrphanSemaphoreArray, record.Path, keys.SemaphoreKey, semid, options.DryRun, () => SemCtl(semid, 0, IPC_RMID));
                BusGarbage? segment = shmid < 0 ? null
                    : Orphan(BusGarbageKind.OrphanSegment, record.Path, keys.SegmentKey, shmid, options.DryRun, () => ShmCtl(shmid, IPC_RMID, null));
                if (array is not null) found.Add(array);
                if (segment is not null) found.Add(segment);
                if (!options.DryRun && array?.Error is null && segment?.Error is null) record.Delete();
            }
        }
    }

    /// <summary>
    /// True unless the key file at <paramref name="path"/> is provably not naming
    /// <paramref name="keys"/>: it is not there, or is not a bus key file, or names other keys.
    /// Reading follows a symlink (harmless) and never blocks.
    /// </summary>
    private static bool NamedAt(string path, BusKeys keys)
    {
        try
        {
            BusKeys there = KeyFileFormat.Read(path);
            return there.SemaphoreKey == keys.SemaphoreKey || there.SegmentKey == keys.SegmentKey;
        }
        catch (BusException e) when (e is BusNotFoundException or BusKeyFileCorruptException or BusObjectMismatchException)
        {
            return false;
        }
        catch (BusException)
        {
            return true; // cannot tell: kept
        }
    }

    private static unsafe bool IsOrphanArray(int id, BusRegistry.Record record, uint user, long idleSince)
    {
        SemidDs stat;
        if (SemCtl(id, 0, IPC_STAT, &stat) != 0) return false;
        if (stat.Perm.Key != record.Keys.SemaphoreKey || stat.Perm.Uid != user || stat.Perm.Cuid != user
            || stat.NSems != (nuint)Semaphores.Count)
            return false;
        // The recorded id; a create killed before it recorded one made the array after the record and never used it.
        if (record.SemaphoreId >= 0 ? id != record.SemaphoreId : stat.OTime != 0 || stat.CTime < record.Time) return false;
        if (stat.OTime > idleSince || stat.CTime > idleSince) return false;
        BusSemaphoreArrayStatus? status;
        try
        {
            status = ReadSemaphores($"semaphore array {id}", id, stat);
        }
        catch (BusException)
        {
            return false;
        }
        if (status is null) return false;
        bool neverSetUp = stat.OTime == 0 && status.Semaphores.All(s => s.Value == 0 && s.WaitingForIncrease == 0 && s.WaitingForZero == 0);
        return neverSetUp || AtRestWithoutListeners(status);
    }

    private static unsafe bool IsOrphanSegment(int id, BusRegistry.Record record, uint user, long idleSince)
    {
        ShmidDs stat;
        if (ShmCtl(id, IPC_STAT, &stat) != 0) return false;
        if (stat.Perm.Key != record.Keys.SegmentKey || stat.Perm.Uid != user || stat.Perm.Cuid != user
            || stat.SegSz != (nuint)SharedSegmentHandle.Size)
            return false;
        if (record.SegmentId >= 0 ? id != record.SegmentId : stat.CPid != record.Pid) return false;
        return stat.NAttch == 0 && stat.ATime <= idleSince && stat.DTime <= idleSince && stat.CTime <= idleSince;
    }

    private static BusGarbage Orphan(BusGarbageKind kind, string path, int key, int id, bool dryRun, Func<int> remove)
    {
        if (dryRun) return new BusGarbage(kind, path, key, id, false, null);
        if (remove() == 0) return new BusGarbage(kind, path, key, id, true, null);
        int errno = Interop.Errors.LastErrno;
        return BusErrors.IsRemoved(errno)
            ? new BusGarbage(kind, path, key, id, true, null) // removed meanwhile
            : new BusGarbage(kind, path, key, id, false, Interop.Errors.Text(errno));
    }

    /// <summary>
    /// The semaphores of a bus nobody uses: no listener joined or holding a message (S = W = 0), no
    /// delivery (N = 0), the lock free (X = 1), and no process blocked on any of them.
    /// </summary>
    internal static bool AtRestWithoutListeners(BusSemaphoreArrayStatus status)
        => status.S.Value == 0 && status.W.Value == 0 && status.N.Value == 0 && status.X.Value == 1
           && status.Semaphores.All(s => s.WaitingForIncrease == 0 && s.WaitingForZero == 0);

    /// <summary>
    /// The one place where a key file is judged stale: both objects it names are gone, and it was
    /// made in this IPC namespace or records none (<see cref="IpcNamespace"/>). In another namespace
    /// the keys name nothing here while the bus may be alive there, so a key file of another
    /// namespace is never stale from here (nor replaced or unlinked as such).
    /// </summary>
    internal static bool IsStale(KeyFile file, BusObjects objects)
        => objects.NoneExists && IpcNamespace.IsHere(file.IpcNamespace);

    /// <summary>
    /// Unlinks the key file at <paramref name="path"/> if it is the caller's and stale
    /// (<see cref="IsStale"/>), through one descriptor (<see cref="KeyFile"/>): the name is unlinked only
    /// while it still is the file found stale, so a bus created there meanwhile stays.
    /// </summary>
    /// <returns>What happened to the key file (nothing, with <paramref name="dryRun"/>), or null if it is not a stale key file of the caller's.</returns>
    internal static BusPartRemoval? RemoveIfStale(string path, bool dryRun)
    {
        using KeyFile file = KeyFile.Open(path);
        if (file.Uid != CurrentUser || !IsStale(file, BusObjects.Find(path, file.Keys))) return null;
        return dryRun ? new BusPartRemoval(false, false, null) : file.Unlink();
    }
}
