using static LibBus.Interop.Libc;

namespace LibBus;

public sealed partial class Bus
{
    private const int PermissionBits = 0x1FF; // 0777

    /// <summary>
    /// Removes the bus at <paramref name="path"/>: the semaphore array, the segment and
    /// the key file. Both objects are checked first to be exactly a bus's and owned by the
    /// key file's owner; then both are removed, and the key file last, only if both are
    /// gone (never orphaning objects) and only while its name still is the file whose keys
    /// were read. Parts already gone count as removed, so whatever stopped an earlier removal
    /// halfway (a kill, a crash, an <c>ipcrm</c>), calling this again finishes it; nothing on the
    /// way needs more than these system calls (no library is loaded after the first object goes).
    /// </summary>
    /// <returns>What was removed.</returns>
    /// <exception cref="BusNotFoundException">No key file.</exception>
    /// <exception cref="BusKeyFileCorruptException">A symlink, or not a bus key file; nothing is removed.</exception>
    /// <exception cref="BusObjectMismatchException">The key file names IPC objects of another shape; nothing is removed.</exception>
    /// <exception cref="BusAccessDeniedException">The objects cannot be read, or their owner is not the key file's, or their creator is neither the key file's owner nor root; nothing is removed.</exception>
    /// <exception cref="BusNamespaceException">The key file was made in another IPC namespace; nothing is removed.</exception>
    /// <exception cref="BusRemovalException">Some part could not be removed; the rest was.</exception>
    public static BusRemoval Remove(string path) => Remove(path, allowOwnerMismatch: false);

    /// <summary>
    /// As <see cref="Remove(string)"/>; <paramref name="allowOwnerMismatch"/> removes the bus even
    /// if the key file's owner does not own both objects (which may mean the file names another
    /// user's bus). A key file of another IPC namespace is never removed.
    /// </summary>
    public static BusRemoval Remove(string path, bool allowOwnerMismatch)
    {
        SafeFile.CheckPath(path);
        using KeyFile file = KeyFile.Open(path);
        IpcNamespace.Require(path, file.IpcNamespace, "not removed");
        BusObjects objects = BusObjects.Find(path, file.Keys);
        objects.RequireOwner(file, allowOwnerMismatch);

        BusPartRemoval semaphores = RemovePart(objects.SemaphoreId, id => SemCtl(id, 0, IPC_RMID));
        BusPartRemoval segment;
        unsafe
        {
            segment = RemovePart(objects.SegmentId, id => ShmCtl(id, IPC_RMID, null));
        }
        BusPartRemoval keyFile = semaphores.IsGone && segment.IsGone
            ? file.Unlink()
            : new BusPartRemoval(false, false, "kept, so that the objects left are not orphaned");

        // The record of the objects (BusRegistry), if this caller's create made them; gc removes a record left behind.
        if (semaphores.IsGone && segment.IsGone) BusRegistry.Default.Forget(file.Keys);

        var removal = new BusRemoval(path, semaphores, segment, keyFile);
        return removal.Succeeded ? removal : throw new BusRemovalException(removal);
    }

    private static BusPartRemoval RemovePart(int id, Func<int, int> remove)
    {
        if (id < 0) return new BusPartRemoval(false, true, null);
        if (remove(id) == 0) return new BusPartRemoval(true, false, null);
        int e = Interop.Errors.LastErrno;
        return BusErrors.IsRemoved(e)
            ? new BusPartRemoval(false, true, null)
            : FailedPart(e, Interop.Errors.Text(e));
    }

    private static BusPartRemoval FailedPart(int errno, string text) => new(false, false, text, errno);

    /// <summary>
    /// Reads the ownership and permissions of the bus at <paramref name="path"/>, refusing it as
    /// <see cref="Open(string, BusAccess)"/> does: the check "still a usable bus?" of <c>bus chmod</c>
    /// and <c>bus_chown</c> when there is nothing to change. Library users read the same, and
    /// more, with <see cref="GetStatus(string)"/>, which reports a stale or partial bus instead.
    /// </summary>
    internal static BusInfo GetInfo(string path)
    {
        SafeFile.CheckPath(path);
        BusKeys keys = KeyFileFormat.Read(path, out Interop.Libc.Statx status, out ulong? ipcNamespace);
        IpcNamespace.Require(path, ipcNamespace, "not read", toOpen: true);
        BusObjects objects = RequireBoth(path, keys, BusObjects.Find(path, keys));
        objects.RequireTrusted(path, status.Uid, status.Mode & PermissionBits);
        return new BusInfo(path, keys, objects.Semaphores.Perm.Mode & PermissionBits, objects.Segment.Perm.Mode & PermissionBits,
            status.Mode & PermissionBits, objects.Semaphores.Perm.Uid, objects.Semaphores.Perm.Gid);
    }

    /// <summary>
    /// Sets the permissions of a bus (PROTOCOL.md, "Permissions"): any bit of a
    /// class (user, group, other) in <paramref name="mode"/> gives that class read
    /// and write on both IPC objects; the key file gets read for those classes,
    /// and write for the owner only.
    /// </summary>
    /// <param name="path">The key file.</param>
    /// <param name="mode">Permission bits only (<see cref="UnixFileMode.UserRead"/> to <see cref="UnixFileMode.OtherExecute"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="mode"/> has bits other than permissions.</exception>
    /// <exception cref="BusAccessDeniedException">Only the owner (or root) may change the mode.</exception>
    public static void ChangeMode(string path, UnixFileMode mode) => ChangeMode(path, mode, allowOwnerMismatch: false);

    /// <summary>As <see cref="ChangeMode(string, UnixFileMode)"/>, optionally allowing a key file whose owner does not own the bus.</summary>
    public static void ChangeMode(string path, UnixFileMode mode, bool allowOwnerMismatch)
    {
        CheckMode((int)mode);
        ChangeMode(path, _ => mode, allowOwnerMismatch);
    }

    /// <summary>
    /// Sets the permissions of a bus to <paramref name="change"/> of its current ones (the
    /// semaphore array's permission bits), reading and changing the bus once: the key file is
    /// opened once and never through a symlink, and all three parts change or none does.
    /// The owner may change the mode even after a mode that left it no access (changing a mode
    /// needs ownership, not read permission): a key file it owns but may not read gets owner read
    /// while it is read, and the objects' status is then read with SEM_STAT_ANY / SHM_STAT_ANY.
    /// </summary>
    /// <returns>The mode set.</returns>
    public static UnixFileMode ChangeMode(string path, Func<UnixFileMode, UnixFileMode> change, bool allowOwnerMismatch = false)
    {
        SafeFile.CheckPath(path);
        ArgumentNullException.ThrowIfNull(change);
        // The owner may restore access it took from itself: changing a mode needs ownership, not
        // read permission, so the key file and the objects are read without it if need be (the
        // exact-shape and owner checks stay, and the kernel checks ownership at each change).
        using KeyFile file = KeyFile.Open(path, ownerWithoutRead: true);
        IpcNamespace.Require(path, file.IpcNamespace, "not changed");
        BusObjects objects = RequireBoth(path, file.Keys, BusObjects.Find(path, file.Keys, withoutRead: file.Uid == GetEUid()));
        objects.RequireOwner(file, allowOwnerMismatch);
        int mode = (int)change((UnixFileMode)(objects.Semaphores.Perm.Mode & PermissionBits));
        CheckMode(mode);
        int classes = BusObjects.Classes(mode);
        int ipcMode = classes & 0x1B6;  // rw for each class given the bus
        int fileMode = classes & 0x1A4; // rw for the owner, r for group and other
        int oldFileMode = file.Mode;
        ChangeAll(file, objects, "mode",
            () => file.ChangeMode(fileMode),
            () => file.ChangeMode(oldFileMode),
            perm =>
            {
                perm.Mode = (ushort)((perm.Mode & ~PermissionBits) | ipcMode);
                return perm;
            });
        return (UnixFileMode)mode;
    }

    private static void CheckMode(int mode)
    {
        if (mode is < 0 or > PermissionBits)
            throw new ArgumentOutOfRangeException(nameof(mode), mode, $"{Convert.ToString(mode, 8)}: not a mode from 0 to 0777");
    }

    /// <summary>
    /// Sets the owner and/or group of the key file and both IPC objects. Null leaves that part as it is.
    /// </summary>
    /// <param name="path">The key file.</param>
    /// <param name="user">A user name or numeric id, or null.</param>
    /// <param name="group">A group name or numeric id, or null.</param>
    /// <exception cref="BusException">Unknown user or group (named in the message), or not permitted.</exception>
    public static void ChangeOwner(string path, string? user, string? group) => ChangeOwner(path, user, group, allowOwnerMismatch: false);

    /// <summary>
    /// As <see cref="ChangeOwner(string, string, string)"/>, optionally allowing a key file whose
    /// owner does not own the bus. All three parts change or none does. A bus is given to a new owner
    /// only if root or the new owner created its objects: their creator keeps IPC_SET and IPC_RMID on
    /// them whoever owns them, and a bus whose creator is neither its owner nor root is refused by
    /// every verb.
    /// </summary>
    public static void ChangeOwner(string path, string? user, string? group, bool allowOwnerMismatch)
    {
        SafeFile.CheckPath(path);
        uint? uid = user is null ? null : UserDatabase.ResolveUser(user);
        uint? gid = group is null ? null : UserDatabase.ResolveGroup(group);
        if (uid is null && gid is null) return;
        using KeyFile file = KeyFile.Open(path);
        IpcNamespace.Require(path, file.IpcNamespace, "not changed");
        BusObjects objects = RequireBoth(path, file.Keys, BusObjects.Find(path, file.Keys));
        objects.RequireOwner(file, allowOwnerMismatch);
        if (uid is { } newOwner && objects.CreatedByOthersThan(newOwner) is { } creators)
            throw new BusAccessDeniedException(
                $"{path}: refused: not giving the bus to uid {newOwner}: {creators}, who keeps control of the objects (IPC_SET, IPC_RMID) " +
                $"whoever owns them, so it would not be uid {newOwner}'s bus alone; only a bus that root created, or that uid {newOwner} created, " +
                $"can be given to uid {newOwner} (as root: bus remove PATH, bus create PATH, then bus chown)",
                path, Interop.Errors.EPERM);
        uint oldUid = file.Uid, oldGid = file.Gid;
        ChangeAll(file, objects, "owner",
            () => file.ChangeOwner(uid ?? uint.MaxValue, gid ?? uint.MaxValue),
            () => file.ChangeOwner(oldUid, oldGid),
            perm =>
            {
                if (uid is { } u) perm.Uid = u;
                if (gid is { } g) perm.Gid = g;
                return perm;
            });
    }

    /// <summary>
    /// Changes the key file (<paramref name="changeFile"/>), then the segment, then the
    /// semaphore array (<paramref name="edit"/> of each one's <c>ipc_perm</c>, IPC_SET), and
    /// undoes what was done if a later step fails, so that a failure changes nothing. The key
    /// file goes first because it is what refuses the usual failures: a read-only file
    /// system, or a user who is not root giving a bus away.
    /// </summary>
    private static unsafe void ChangeAll(KeyFile file, BusObjects objects, string what,
        Func<int> changeFile, Func<int> undoFile, Func<IpcPerm, IpcPerm> edit)
    {
        string path = file.Path;
        int errno = changeFile();
        if (errno != 0)
            throw BusErrors.FromCall(errno, path, $"cannot change the key file's {what}, so nothing was changed");

        ShmidDs oldShm = objects.Segment, newShm = oldShm;
        newShm.Perm = edit(oldShm.Perm);
        if (ShmCtl(objects.SegmentId, IPC_SET, &newShm) != 0)
        {
            errno = Interop.Errors.LastErrno;
            string undone = Undo(undoFile);
            throw BusErrors.FromErrno(errno, path, $"changing the shared memory segment's {what}; {undone}");
        }

        SemidDs oldSem = objects.Semaphores, newSem = oldSem;
        newSem.Perm = edit(oldSem.Perm);
        if (SemCtl(objects.SemaphoreId, 0, IPC_SET, &newSem) != 0)
        {
            errno = Interop.Errors.LastErrno;
            string undone = ShmCtl(objects.SegmentId, IPC_SET, &oldShm) == 0
                ? Undo(undoFile)
                : $"could not undo the change to the shared memory segment: {Interop.Errors.Text(Interop.Errors.LastErrno)}";
            throw BusErrors.FromErrno(errno, path, $"changing the semaphore array's {what}; {undone}");
        }
    }

    private static string Undo(Func<int> undoFile)
    {
        int errno = undoFile();
        return errno == 0 ? "nothing was changed" : $"could not undo the change to the key file: {Interop.Errors.Text(errno)}";
    }

    /// <summary>Both objects must exist for chmod, chown and GetInfo.</summary>
    private static BusObjects RequireBoth(string path, BusKeys keys, BusObjects objects)
    {
        if (objects.SemaphoreId < 0) throw BusErrors.Gone(path, "semaphore array", keys.SemaphoreKey);
        if (objects.SegmentId < 0) throw BusErrors.Gone(path, "shared memory segment", keys.SegmentKey);
        return objects;
    }
}
