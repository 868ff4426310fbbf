using Mono.Unix.Native;
using static LibBus.Interop.Libc;

namespace LibBus;

public sealed partial class Bus
{
    private const int PermissionBits = 0x1FF; // 0777

    /// <summary>
    /// Removes the bus at <paramref name="path"/>: the semaphore array, the segment and
    /// the key file. Attempts all three; parts already gone count as removed.
    /// </summary>
    /// <returns>What was removed.</returns>
    /// <exception cref="BusNotFoundException">No key file.</exception>
    /// <exception cref="BusKeyFileCorruptException">The file is not a bus key file; it is left alone.</exception>
    /// <exception cref="BusRemovalException">Some part could not be removed; the rest was.</exception>
    public static BusRemoval Remove(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        BusKeys keys = BusFile.Read(path);

        // Look both objects up in the shape of a bus first: a key file naming
        // someone else's objects is not a bus, and nothing of it is removed.
        int semid = SemGet(keys.SemaphoreKey, Semaphores.Count, 0);
        int semErrno = semid < 0 ? Interop.Errors.LastErrno : 0;
        int shmid = ShmGet(keys.SegmentKey, SharedSegmentHandle.Size, 0);
        int shmErrno = shmid < 0 ? Interop.Errors.LastErrno : 0;
        if (semErrno == Interop.Errors.EINVAL || shmErrno == Interop.Errors.EINVAL)
        {
            string what = semErrno == Interop.Errors.EINVAL ? "semaphore array" : "shared memory segment";
            int key = semErrno == Interop.Errors.EINVAL ? keys.SemaphoreKey : keys.SegmentKey;
            throw new BusKeyFileCorruptException(
                $"{path}: not a bus: key {key} names a {what} of another shape (not made by bus); nothing was removed", path, Interop.Errors.EINVAL);
        }

        BusPartRemoval semaphores = RemovePart(semid, semErrno, id => SemCtl(id, 0, IPC_RMID));
        BusPartRemoval segment;
        unsafe
        {
            segment = RemovePart(shmid, shmErrno, id => ShmCtl(id, IPC_RMID, null));
        }
        BusPartRemoval keyFile = new(true, false, null);
        if (Syscall.unlink(path) != 0)
        {
            Errno errno = Stdlib.GetLastError();
            keyFile = FailedPart((int)errno, Stdlib.strerror(errno));
        }

        var removal = new BusRemoval(path, semaphores, segment, keyFile);
        return removal.Succeeded ? removal : throw new BusRemovalException(removal);
    }

    private static BusPartRemoval RemovePart(int id, int errno, Func<int, int> remove)
    {
        if (id < 0)
        {
            return errno is Interop.Errors.ENOENT or Interop.Errors.EIDRM
                ? new BusPartRemoval(false, true, null)
                : FailedPart(errno, Interop.Errors.Text(errno));
        }
        if (remove(id) == 0) return new BusPartRemoval(true, false, null);
        int e = Interop.Errors.LastErrno;
        return e is Interop.Errors.EIDRM or Interop.Errors.EINVAL
            ? new BusPartRemoval(false, true, null)
            : FailedPart(e, Interop.Errors.Text(e));
    }

    private static BusPartRemoval FailedPart(int errno, string text) => new(false, false, text, errno);

    /// <summary>
    /// Reads the ownership and permissions of the bus at <paramref name="path"/>.
    /// </summary>
    public static BusInfo GetInfo(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        BusKeys keys = BusFile.Read(path);
        int semid = LookUp(path, keys.SemaphoreKey, "semaphore array", isSemaphore: true, 0);
        int shmid = LookUp(path, keys.SegmentKey, "shared memory segment", isSemaphore: false, 0);
        SemidDs sem = StatSemaphores(path, semid);
        ShmidDs shm = StatSegment(path, shmid);
        if (Syscall.stat(path, out Stat stat) != 0)
            throw FileError(path, "cannot stat the key file");
        return new BusInfo(path, keys, sem.Perm.Mode & PermissionBits, shm.Perm.Mode & PermissionBits,
            (int)stat.st_mode & PermissionBits, sem.Perm.Uid, sem.Perm.Gid);
    }

    /// <summary>
    /// Sets the permissions of a bus (PROTOCOL.md, "Permissions"): any bit of a
    /// class (user, group, other) in <paramref name="mode"/> gives that class read
    /// and write on both IPC objects; the key file gets read for those classes,
    /// and write for the owner only.
    /// </summary>
    /// <param name="path">The key file.</param>
    /// <param name="mode">Permission bits, 0 to 0777.</param>
    /// <exception cref="BusAccessDeniedException">Only the owner (or root) may change the mode.</exception>
    public static void ChangeMode(string path, int mode)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (mode is < 0 or > PermissionBits)
            throw new ArgumentOutOfRangeException(nameof(mode), mode, $"{Convert.ToString(mode, 8)}: not a mode from 0 to 0777");
        bool user = (mode & 0x1C0) != 0, group = (mode & 0x38) != 0, other = (mode & 0x7) != 0;
        int ipcMode = (user ? 0x180 : 0) | (group ? 0x30 : 0) | (other ? 0x6 : 0);
        int fileMode = (user ? 0x180 : 0) | (group ? 0x20 : 0) | (other ? 0x4 : 0);
        ChangeIpcPermissions(path, perm =>
        {
            perm.Mode = (ushort)((perm.Mode & ~PermissionBits) | ipcMode);
            return perm;
        });
        if (Syscall.chmod(path, (FilePermissions)fileMode) != 0)
            throw FileError(path, "cannot change the key file's mode");
    }

    /// <summary>
    /// Sets the owner and/or group of the key file and both IPC objects. Null leaves that part as it is.
    /// </summary>
    /// <param name="path">The key file.</param>
    /// <param name="user">A user name or numeric id, or null.</param>
    /// <param name="group">A group name or numeric id, or null.</param>
    /// <exception cref="BusException">Unknown user or group (named in the message), or not permitted.</exception>
    public static void ChangeOwner(string path, string? user, string? group)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        uint? uid = user is null ? null : ResolveUser(user);
        uint? gid = group is null ? null : ResolveGroup(group);
        if (uid is null && gid is null) return;
        ChangeIpcPermissions(path, perm =>
        {
            if (uid is { } u) perm.Uid = u;
            if (gid is { } g) perm.Gid = g;
            return perm;
        });
        if (Syscall.chown(path, uid ?? unchecked((uint)-1), gid ?? unchecked((uint)-1)) != 0)
            throw FileError(path, "cannot change the key file's owner");
    }

    /// <summary>Looks up a user by name, or takes a numeric id as it is.</summary>
    /// <exception cref="BusException">No such user.</exception>
    public static uint ResolveUser(string user)
    {
        ArgumentException.ThrowIfNullOrEmpty(user);
        if (uint.TryParse(user, System.Globalization.NumberStyles.None, null, out uint id))
            return id != uint.MaxValue ? id : throw new BusException($"{user}: not a valid user id");
        return Syscall.getpwnam(user)?.pw_uid ?? throw new BusException($"{user}: no such user");
    }

    /// <summary>Looks up a group by name, or takes a numeric id as it is.</summary>
    /// <exception cref="BusException">No such group.</exception>
    public static uint ResolveGroup(string group)
    {
        ArgumentException.ThrowIfNullOrEmpty(group);
        if (uint.TryParse(group, System.Globalization.NumberStyles.None, null, out uint id))
            return id != uint.MaxValue ? id : throw new BusException($"{group}: not a valid group id");
        return Syscall.getgrnam(group)?.gr_gid ?? throw new BusException($"{group}: no such group");
    }

    /// <summary>Applies <paramref name="edit"/> to the <c>ipc_perm</c> of both IPC objects (IPC_STAT, then IPC_SET).</summary>
    private static unsafe void ChangeIpcPermissions(string path, Func<IpcPerm, IpcPerm> edit)
    {
        BusKeys keys = BusFile.Read(path);
        int semid = LookUp(path, keys.SemaphoreKey, "semaphore array", isSemaphore: true, 0);
        int shmid = LookUp(path, keys.SegmentKey, "shared memory segment", isSemaphore: false, 0);

        SemidDs sem = StatSemaphores(path, semid);
        sem.Perm = edit(sem.Perm);
        if (SemCtl(semid, 0, IPC_SET, &sem) != 0)
            BusErrors.Throw(Interop.Errors.LastErrno, path, "changing the semaphore array's permissions");

        ShmidDs shm = StatSegment(path, shmid);
        shm.Perm = edit(shm.Perm);
        if (ShmCtl(shmid, IPC_SET, &shm) != 0)
            BusErrors.Throw(Interop.Errors.LastErrno, path, "changing the shared memory segment's permissions");
    }

    private static unsafe SemidDs StatSemaphores(string path, int semid)
    {
        SemidDs ds;
        if (SemCtl(semid, 0, IPC_STAT, &ds) != 0)
            BusErrors.Throw(Interop.Errors.LastErrno, path, "reading the semaphore array's permissions");
        return ds;
    }

    private static unsafe ShmidDs StatSegment(string path, int shmid)
    {
        ShmidDs ds;
        if (ShmCtl(shmid, IPC_STAT, &ds) != 0)
            BusErrors.Throw(Interop.Errors.LastErrno, path, "reading the shared memory segment's permissions");
        return ds;
    }

    private static BusException FileError(string path, string what)
    {
        Errno errno = Stdlib.GetLastError();
        return errno is Errno.EPERM or Errno.EACCES
            ? new BusAccessDeniedException($"{path}: {what}: {Stdlib.strerror(errno)}", path, (int)errno)
            : new BusException($"{path}: {what}: {Stdlib.strerror(errno)}", path, (int)errno);
    }
}
