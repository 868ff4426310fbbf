using System.Runtime.InteropServices;
using static LibBus.Interop.Libc;

namespace LibBus;

/// <summary>
/// The two IPC objects a key file names, each looked up by key, read with
/// <c>IPC_STAT</c> and checked to be exactly what a bus is made of: an array of exactly
/// <see cref="Semaphores.Count"/> semaphores and a segment of exactly
/// <see cref="SharedSegmentHandle.Size"/> bytes. Anything else is not a bus, and no verb
/// touches it. Later calls act on the identifiers read here, never on the keys again: an
/// identifier is not reused for a new object at once, so a call on it reaches this object
/// or fails.
/// </summary>
internal readonly struct BusObjects
{
    /// <summary>The semaphore array's identifier, or -1 if it does not exist.</summary>
    public int SemaphoreId { get; private init; }

    /// <summary>The segment's identifier, or -1 if it does not exist.</summary>
    public int SegmentId { get; private init; }

    /// <summary>The semaphore array's status (valid when <see cref="SemaphoreId"/> is not -1).</summary>
    public SemidDs Semaphores { get; private init; }

    /// <summary>The segment's status (valid when <see cref="SegmentId"/> is not -1).</summary>
    public ShmidDs Segment { get; private init; }

    /// <summary>Both objects exist.</summary>
    public bool BothExist => SemaphoreId >= 0 && SegmentId >= 0;

    /// <summary>Neither object exists.</summary>
    public bool NoneExists => SemaphoreId < 0 && SegmentId < 0;

    /// <summary>Looks up and checks the objects <paramref name="keys"/> name; a missing one gets the id -1.</summary>
    /// <exception cref="BusObjectMismatchException">An object of another shape: not a bus.</exception>
    /// <exception cref="BusAccessDeniedException">An object the caller may not read.</exception>
    /// <param name="path">The key file, for messages.</param>
    /// <param name="keys">The keys it holds.</param>
    /// <param name="withoutRead">
    /// For the owner's chmod: an object the caller may not read is read anyway with
    /// <c>SEM_STAT_ANY</c> / <c>SHM_STAT_ANY</c>, which need no read permission (they tell
    /// anyone what /proc/sysvipc tells anyone). Changing an object still needs its ownership,
    /// which the kernel checks at <c>IPC_SET</c>.
    /// </param>
    public static unsafe BusObjects Find(string path, BusKeys keys, bool withoutRead = false)
    {
        int semid = Get(path, keys.SemaphoreKey, "semaphore array", SemGet(keys.SemaphoreKey, 0, 0));
        SemidDs sem = default;
        if (semid >= 0)
        {
            if (SemCtl(semid, 0, IPC_STAT, &sem) != 0
                && !(withoutRead && BusErrors.IsDenied(Interop.Errors.LastErrno) && StatAny(semid, &sem)))
                semid = StatFailed(path, keys.SemaphoreKey, "semaphore array");
            else
                RequireShape(path, keys, sem);
        }
        int shmid = Get(path, keys.SegmentKey, "shared memory segment", ShmGet(keys.SegmentKey, 0, 0));
        ShmidDs shm = default;
        if (shmid >= 0)
        {
            if (ShmCtl(shmid, IPC_STAT, &shm) != 0
                && !(withoutRead && BusErrors.IsDenied(Interop.Errors.LastErrno) && StatAny(shmid, &shm)))
                shmid = StatFailed(path, keys.SegmentKey, "shared memory segment");
            else
                RequireShape(path, keys, shm);
        }
        return new BusObjects { SemaphoreId = semid, SegmentId = shmid, Semaphores = sem, Segment = shm };
    }

    /// <summary>
    /// The status of array <paramref name="semid"/> without read permission: <c>SEM_STAT_ANY</c>
    /// takes an index into the kernel's table and returns the identifier there, so the table is
    /// scanned (up to the highest index <c>SEM_INFO</c> gives) for this identifier. False, with
    /// errno EACCES (the IPC_STAT failure stands), if not found or the kernel is older than 4.17.
    /// </summary>
    private static unsafe bool StatAny(int semid, SemidDs* sem)
    {
        SemInfo info;
        int highest = SemCtl(0, 0, SEM_INFO, &info);
        for (int index = 0; index <= highest; index++)
            if (SemCtl(index, 0, SEM_STAT_ANY, sem) == semid) return true;
        Marshal.SetLastPInvokeError(Interop.Errors.EACCES);
        return false;
    }

    /// <summary>As <see cref="StatAny(int, SemidDs*)"/>, for segment <paramref name="shmid"/> (<c>SHM_INFO</c>, <c>SHM_STAT_ANY</c>).</summary>
    private static unsafe bool StatAny(int shmid, ShmidDs* shm)
    {
        ShmInfo info;
        int highest = ShmCtlInfo(0, SHM_INFO, &info);
        for (int index = 0; index <= highest; index++)
            if (ShmCtl(index, SHM_STAT_ANY, shm) == shmid) return true;
        Marshal.SetLastPInvokeError(Interop.Errors.EACCES);
        return false;
    }

    /// <summary>
    /// The objects an opened bus found by key (<paramref name="semid"/>, <paramref name="shmid"/>),
    /// read with IPC_STAT and checked to be exactly a bus's (<c>semget</c> and <c>shmget</c> accept
    /// any larger object).
    /// </summary>
    public static unsafe BusObjects Of(string path, BusKeys keys, int semid, int shmid)
    {
        SemidDs sem;
        if (SemCtl(semid, 0, IPC_STAT, &sem) != 0)
            BusErrors.Throw(Interop.Errors.LastErrno, path, "reading the semaphore array's status");
        RequireShape(path, keys, sem);
        ShmidDs shm;
        if (ShmCtl(shmid, IPC_STAT, &shm) != 0)
            BusErrors.Throw(Interop.Errors.LastErrno, path, "reading the shared memory segment's status");
        RequireShape(path, keys, shm);
        return new BusObjects { SemaphoreId = semid, SegmentId = shmid, Semaphores = sem, Segment = shm };
    }

    /// <summary>
    /// Why the existing objects cannot be the bus of a key file owned by <paramref name="owner"/>,
    /// or null: an object not created (<c>cuid</c>) by the key file's owner or by root. Keys are
    /// public (/proc/sysvipc), so once a bus's objects are gone (a reboot, systemd-logind's
    /// RemoveIPC, an <c>ipcrm</c>) any user may make objects at its keys and give them to the key
    /// file's owner (IPC_SET); but no user can make them in another's name, and their creator keeps
    /// IPC_SET and IPC_RMID on them whoever owns them. (So <c>bus chown</c> gives a bus only to the
    /// user who created it, or gives a bus root created.)
    /// </summary>
    public string? DistrustCreator(uint owner)
        => CreatedByOthersThan(owner) is { } others
            ? $"{others}, not by the key file's owner (uid {owner}) or root: they may be another user's objects " +
              "made at the keys of a vanished bus, and their creator keeps control of them whoever owns them"
            : null;

    /// <summary>"its semaphore array was created by uid N" for each object whose creator is neither <paramref name="owner"/> nor root; null if none.</summary>
    public string? CreatedByOthersThan(uint owner)
    {
        var others = new List<string>();
        if (SemaphoreId >= 0 && !IsTrustedCreator(Semaphores.Perm.Cuid, owner)) others.Add($"its semaphore array was created by uid {Semaphores.Perm.Cuid}");
        if (SegmentId >= 0 && !IsTrustedCreator(Segment.Perm.Cuid, owner)) others.Add($"its shared memory segment was created by uid {Segment.Perm.Cuid}");
        return others.Count == 0 ? null : string.Join(" and ", others);
    }

    /// <summary>Whether objects created by <paramref name="creator"/> may belong to a key file owned by <paramref name="owner"/>.</summary>
    public static bool IsTrustedCreator(uint creator, uint owner) => creator == owner || creator == 0;

    /// <summary>
    /// Why the existing objects' modes are wider than a key file of mode <paramref name="fileMode"/>
    /// allows, or null. As <c>bus chmod</c> sets them (PROTOCOL.md, "Permissions"), a class (user,
    /// group, other) may have access to the objects only if it has a permission bit on the key file.
    /// </summary>
    public string? DistrustModes(int fileMode)
    {
        int allowed = Classes(fileMode);
        var wide = new List<string>();
        if (SemaphoreId >= 0 && (Semaphores.Perm.Mode & 0x1FF & ~allowed) != 0) wide.Add($"its semaphore array's mode {Octal(Semaphores.Perm.Mode)}");
        if (SegmentId >= 0 && (Segment.Perm.Mode & 0x1FF & ~allowed) != 0) wide.Add($"its shared memory segment's mode {Octal(Segment.Perm.Mode)}");
        return wide.Count == 0 ? null
            : $"{string.Join(" and ", wide)} is wider than the key file's mode {Octal(fileMode)} allows " +
              "(set both with 'bus chmod MODE PATH')";
    }

    /// <summary>
    /// The permission bits of every class (user 0700, group 0070, other 0007) that has any bit in
    /// <paramref name="mode"/>: as <c>bus chmod</c> reads a mode, any permission gives that class the bus.
    /// </summary>
    internal static int Classes(int mode)
        => ((mode & 0x1C0) != 0 ? 0x1C0 : 0) | ((mode & 0x38) != 0 ? 0x38 : 0) | ((mode & 0x7) != 0 ? 0x7 : 0);

    private static string Octal(int mode) => Convert.ToString(mode & 0x1FF, 8).PadLeft(4, '0');

    /// <summary>
    /// Refuses objects that cannot be the bus of a key file owned by <paramref name="owner"/> with mode
    /// <paramref name="fileMode"/> (<see cref="DistrustCreator"/>, <see cref="DistrustModes"/>).
    /// </summary>
    /// <exception cref="BusAccessDeniedException">Not this key file's bus.</exception>
    public void RequireTrusted(string path, uint owner, int fileMode)
    {
        if ((DistrustCreator(owner) ?? DistrustModes(fileMode)) is { } reason)
            throw new BusAccessDeniedException($"{path}: refused: {reason}", path, Interop.Errors.EPERM);
    }

    /// <summary>
    /// Refuses, unless <paramref name="allowMismatch"/>, a key file whose owner does not own both
    /// objects, or did not create them (nor root: <see cref="DistrustCreator"/>): the three are
    /// created and chowned together, so such a file may name another user's bus (a user's key file
    /// naming root's bus must not make root's chmod or remove act on root's bus). Modes are not
    /// checked here: they say nothing of whose objects these are, and chmod is what sets them again.
    /// </summary>
    public void RequireOwner(KeyFile file, bool allowMismatch)
    {
        if (allowMismatch) return;
        var others = new List<string>();
        if (SemaphoreId >= 0 && Semaphores.Perm.Uid != file.Uid) others.Add($"its semaphore array by uid {Semaphores.Perm.Uid}");
        if (SegmentId >= 0 && Segment.Perm.Uid != file.Uid) others.Add($"its shared memory segment by uid {Segment.Perm.Uid}");
        if (others.Count > 0)
            throw new BusAccessDeniedException(
                $"{file.Path}: refused: the key file is owned by uid {file.Uid} but {string.Join(" and ", others)}; " +
                "a bus's key file and objects are created and chowned together, so this file may name another user's bus " +
                "(to act on it anyway, use --allow-owner-mismatch)", file.Path, Interop.Errors.EPERM);
        if (DistrustCreator(file.Uid) is { } reason)
            throw new BusAccessDeniedException(
                $"{file.Path}: refused: {reason} (to act on it anyway, use --allow-owner-mismatch)", file.Path, Interop.Errors.EPERM);
    }

    private static int Get(string path, int key, string what, int id)
    {
        if (id >= 0) return id;
        int errno = Interop.Errors.LastErrno;
        return BusErrors.IsMissing(errno) ? -1 : throw BusErrors.FromLookup(errno, path, what, key);
    }

    private static int StatFailed(string path, int key, string what)
    {
        int errno = Interop.Errors.LastErrno;
        return BusErrors.IsRemoved(errno) ? -1 : throw BusErrors.FromLookup(errno, path, what, key); // -1: removed since the look-up
    }

    private static void RequireShape(string path, BusKeys keys, in SemidDs sem)
    {
        if (sem.NSems != (nuint)LibBus.Semaphores.Count)
            throw NotABus(path, keys.SemaphoreKey, $"a semaphore array of {sem.NSems} semaphores, not {LibBus.Semaphores.Count}");
    }

    private static void RequireShape(string path, BusKeys keys, in ShmidDs shm)
    {
        if (shm.SegSz != (nuint)SharedSegmentHandle.Size)
            throw NotABus(path, keys.SegmentKey, $"a shared memory segment of {shm.SegSz} bytes, not {SharedSegmentHandle.Size}");
    }

    private static BusObjectMismatchException NotABus(string path, int key, string what) => new(
        $"{path}: not a bus: key {key} names {what} (not made by bus); nothing was done to it", path, Interop.Errors.EINVAL);
}
