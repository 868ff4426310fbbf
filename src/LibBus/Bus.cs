using static LibBus.Interop.Libc;

namespace LibBus;

/// <summary>
/// An open bus: a System V semaphore array and a 2048-byte shared memory
/// segment named by a key file. Create one with <see cref="Create(string, bool)"/>,
/// open it with <see cref="Open(string, BusAccess)"/>, then broadcast or listen.
/// Disposing detaches the segment; the bus itself stays until <see cref="Remove(string)"/>.
/// </summary>
/// <remarks>
/// A <see cref="Bus"/> may be used from several threads at once: broadcasts
/// serialize on the bus lock like broadcasts from separate processes do, and
/// each listener (<see cref="Listen(Func{BusMessage, bool}, Action?, CancellationToken)"/>, <see cref="Subscribe(int)"/>, <see cref="StartPolling"/>)
/// is a separate member of the bus.
/// </remarks>
// Bus is one partial class in two halves, by file: the handle (Bus.cs: Open, Create and the
// handle's state; Bus.Broadcast, Bus.BroadcastAsync, Bus.Listen, Bus.ForC) and the static
// administration of a bus by its path (Bus.Admin: Remove, ChangeMode, ChangeOwner; Bus.Status:
// GetStatus, ListBuses; Bus.Garbage: CollectGarbage). Moving the second half to a static class of
// its own (BusAdmin) is the intended next step; it was not taken in the renovation of issue 25
// because it renames the API every admin verb of the command, the C ABI's bus_chmod/bus_chown,
// the hosting package, the man pages and some hundred test call sites use, while those command
// files were being restructured in parallel.
public sealed partial class Bus : IDisposable
{
    private const int OwnerReadWrite = 0x180; // 0600
    private const int OwnerRead = 0x100;      // 0400

    private readonly SharedSegmentHandle _segment;
    private readonly Semaphores _semaphores;
    private volatile bool _disposed;

    private Bus(string path, BusKeys keys, BusAccess access, int semid, int shmid, SharedSegmentHandle segment, TimeSpan stallLimit)
    {
        Path = path;
        Keys = keys;
        Access = access;
        _semaphores = new Semaphores(semid, path);
        SegmentId = shmid;
        _segment = segment;
        StallLimit = stallLimit;
    }

    /// <summary>The key file this bus was opened from.</summary>
    public string Path { get; }

    /// <summary>The IPC keys from the key file.</summary>
    public BusKeys Keys { get; }

    /// <summary>What this handle may be used for.</summary>
    public BusAccess Access { get; }

    /// <summary>The semaphore array's identifier (as <c>ipcs -s</c> shows it).</summary>
    public int SemaphoreId => _semaphores.Id;

    /// <summary>The shared memory segment's identifier (as <c>ipcs -m</c> shows it).</summary>
    public int SegmentId { get; }

    internal Semaphores Semaphores => _semaphores;

    /// <summary>
    /// How long a broadcast of this handle waits behind a full, unread subscription of this process
    /// on the same bus before it fails as a deadlock (<see cref="SelfDeadlock"/>).
    /// </summary>
    internal TimeSpan StallLimit { get; }

    /// <summary>
    /// Opens the bus whose key file is <paramref name="path"/>. Listen-only handles
    /// attach the segment read-only.
    /// </summary>
    /// <exception cref="BusNotFoundException">The key file does not exist.</exception>
    /// <exception cref="BusKeyFileCorruptException">The file is not a bus key file.</exception>
    /// <exception cref="BusObjectMismatchException">The key file names IPC objects of another shape (not made by bus).</exception>
    /// <exception cref="BusRemovedException">The IPC objects it names are gone.</exception>
    /// <exception cref="BusAccessDeniedException">
    /// The bus's permissions do not allow it, or its objects are not the key file's: not created
    /// by the key file's owner or root, or with modes wider than the key file's allow.
    /// </exception>
    /// <exception cref="BusNamespaceException">The key file was made in another IPC namespace.</exception>
    public static Bus Open(string path, BusAccess access = BusAccess.ListenAndBroadcast)
        => Open(path, access, SelfDeadlock.StallLimit);

    /// <summary>
    /// As <see cref="Open(string, BusAccess)"/>, with another <see cref="StallLimit"/> than
    /// <see cref="SelfDeadlock.StallLimit"/> (a test's shorter one, so that it need not wait 10 s).
    /// </summary>
    internal static Bus Open(string path, BusAccess access, TimeSpan stallLimit)
    {
        SafeFile.CheckPath(path);
        if (access is not (BusAccess.Listen or BusAccess.Broadcast or BusAccess.ListenAndBroadcast))
            throw new ArgumentOutOfRangeException(nameof(access), access, "not a valid access");
        BusKeys keys = KeyFileFormat.Read(path, out Statx file, out ulong? ipcNamespace);
        IpcNamespace.Require(path, ipcNamespace, "not opened", toOpen: true);
        bool readOnly = access == BusAccess.Listen;
        int semid = LookUp(path, keys.SemaphoreKey, "semaphore array", isSemaphore: true, OwnerReadWrite);
        int shmid = LookUp(path, keys.SegmentKey, "shared memory segment", isSemaphore: false, readOnly ? OwnerRead : OwnerReadWrite);
        BusObjects.Of(path, keys, semid, shmid).RequireTrusted(path, file.Uid, file.Mode & 0x1FF);
        SharedSegmentHandle segment = SharedSegmentHandle.Attach(shmid, readOnly)
            ?? throw BusErrors.FromLookup(Interop.Errors.LastErrno, path, "shared memory segment", keys.SegmentKey);
        return new Bus(path, keys, access, semid, shmid, segment, stallLimit);
    }

    /// <summary>
    /// <c>semget</c>/<c>shmget</c> of an existing object with a permission request
    /// (the kernel checks the caller's class against <paramref name="permission"/>).
    /// </summary>
    private static int LookUp(string path, int key, string what, bool isSemaphore, int permission)
    {
        int id = isSemaphore
            ? SemGet(key, Semaphores.Count, permission)
            : ShmGet(key, SharedSegmentHandle.Size, permission);
        return id >= 0 ? id : throw BusErrors.FromLookup(Interop.Errors.LastErrno, path, what, key);
    }

    /// <summary>
    /// Creates a bus whose key file is <paramref name="path"/> and returns the path.
    /// If the file exists, plain create checks that it is a usable bus and leaves it
    /// as it is, or, if it is a key file of the caller's whose objects are gone (stale) or were not
    /// created by the caller or root (another user's, made at its keys after they were gone),
    /// replaces it atomically with a new bus; exclusive create fails. A key file made in another
    /// IPC namespace is never replaced. The IPC objects and the key file get mode 0600.
    /// </summary>
    /// <param name="path">Where to write the key file.</param>
    /// <param name="exclusive">Fail if <paramref name="path"/> exists.</param>
    /// <exception cref="BusAlreadyExistsException"><paramref name="exclusive"/> and the path exists.</exception>
    /// <exception cref="BusKeyFileCorruptException">The existing file is not a bus key file.</exception>
    /// <exception cref="BusObjectMismatchException">The key file names IPC objects of another shape (not made by bus).</exception>
    /// <exception cref="BusNamespaceException">The existing file was made in another IPC namespace.</exception>
    /// <exception cref="BusException">Creation failed; nothing was left behind.</exception>
    public static string Create(string path, bool exclusive = false)
    {
        SafeFile.CheckPath(path);
        if (SafeFile.TypeOf(path) >= 0)
            return UseExisting(path, exclusive);

        BusKeys keys = CreateObjects(path, out BusRegistry.Pending? record);
        using (record)
        {
            try
            {
                if (!KeyFileFormat.TryCreate(path, keys))
                {
                    // Someone else created the path since we looked.
                    RemoveObjects(keys);
                    record?.Abandon();
                    return UseExisting(path, exclusive);
                }
            }
            catch
            {
                RemoveObjects(keys);
                record?.Abandon();
                throw;
            }
        }
        return path;
    }

    /// <summary>
    /// Creates a bus at a new random path, <c>$XDG_RUNTIME_DIR/bus/random.</c> and 30
    /// characters from <c>[0-9a-zA-Z]</c> (<c>/run/bus</c> when <c>XDG_RUNTIME_DIR</c> is
    /// unset or empty), making that last directory, <c>bus</c>, with mode 0755 if it is missing, but never <c>$XDG_RUNTIME_DIR</c> itself, which the login manager makes (<see cref="CreateDirectory"/>). Returns the path.
    /// </summary>
    public static string CreateRandom()
    {
        string directory = DefaultDirectory;
        CreateDirectory(directory);
        const string alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        while (true)
        {
            string path = System.IO.Path.Combine(directory, "random." + KernelRandom.GetString(alphabet, 30));
            try
            {
                return Create(path, exclusive: true);
            }
            catch (BusAlreadyExistsException)
            {
                // 62^30 names: practically never; pick another.
            }
        }
    }

    /// <summary>The caller's effective user id, which owns what it creates.</summary>
    internal static uint CurrentUser => GetEUid();

    /// <summary>
    /// Makes <paramref name="directory"/> with mode 0755 if it is missing, as
    /// <see cref="CreateRandom"/> does for <see cref="DefaultDirectory"/>: that one directory
    /// only, never its parents. The parent is the caller's to provide; for the default it is
    /// <c>$XDG_RUNTIME_DIR</c>, which the login manager makes, owned by the user, mode 0700 (XDG
    /// Base Directory Specification), and which a program must not make in its place.
    /// </summary>
    internal static void CreateDirectory(string directory)
    {
        string trimmed = System.IO.Path.TrimEndingDirectorySeparator(directory);
        if (Directory.Exists(trimmed)) return;
        string? parent = System.IO.Path.GetDirectoryName(trimmed);
        if (!string.IsNullOrEmpty(parent) && !Directory.Exists(parent))
        {
            string why = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") is { Length: > 0 } runtime
                         && System.IO.Path.TrimEndingDirectorySeparator(runtime) == parent
                ? $"XDG_RUNTIME_DIR {parent}: no such directory (the login manager makes it; bus makes only {System.IO.Path.GetFileName(trimmed)} in it)"
                : $"{parent}: no such directory (bus makes only {System.IO.Path.GetFileName(trimmed)} in it, not its parents)";
            throw new BusNotFoundException(why, parent, Interop.Errors.ENOENT);
        }
        try
        {
            Directory.CreateDirectory(trimmed, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }
        catch (UnauthorizedAccessException)
        {
            throw new BusAccessDeniedException($"{directory}: permission denied creating the directory", directory, Interop.Errors.EACCES);
        }
        catch (IOException e)
        {
            throw new BusException($"{directory}: cannot create the directory: {e.Message}", directory);
        }
    }

    private static string UseExisting(string path, bool exclusive)
    {
        if (exclusive)
            throw new BusAlreadyExistsException($"{path}: already exists", path, Interop.Errors.EEXIST);
        try
        {
            Open(path, BusAccess.Listen).Dispose();
        }
        catch (BusKeyFileCorruptException e)
        {
            throw new BusKeyFileCorruptException($"{e.Message} (the path exists and is not a usable bus; remove it or choose another path)", path, e.Errno);
        }
        catch (BusObjectMismatchException e)
        {
            throw new BusObjectMismatchException($"{e.Message} (the path exists and is not a usable bus; remove it or choose another path)", path, e.Errno);
        }
        catch (BusRemovedException e)
        {
            return ReplaceUnusable(path, e);
        }
        catch (BusAccessDeniedException e)
        {
            // Objects another user made at its keys? Decided again on the file itself.
            return ReplaceUnusable(path, e);
        }
        catch (BusNotFoundException e) when (SafeFile.TypeOf(path) == S_IFLNK)
        {
            // The path is a symbolic link to nothing: no key file is made through a link.
            throw new BusKeyFileCorruptException(
                $"{path}: a symbolic link to nothing (a dangling link); create makes no key file through a link: " +
                "remove the link or choose another path", path, e.Errno);
        }
        return path;
    }

    /// <summary>
    /// <see cref="Create(string, bool)"/> found a key file it cannot use (<paramref name="refused"/>).
    /// If both its objects are gone (a stale key file, as after a reboot or systemd-logind's
    /// RemoveIPC), or an object it names was not created by the file's owner or root (another
    /// user's, made at the keys after the bus's own were gone: <see cref="BusObjects.DistrustCreator"/>),
    /// and the caller owns the file, makes a new bus and swaps its key file into place atomically
    /// (<see cref="KeyFile.ReplaceWith"/>), so that a service running <c>bus create PATH</c> at
    /// start survives a reboot; another user's objects are left as they are. Only one object gone,
    /// objects of the owner's with modes wider than the file allows, another user's file, or a file
    /// of another IPC namespace (<see cref="IsStale"/>): the error stands.
    /// </summary>
    private static string ReplaceUnusable(string path, BusException refused)
    {
        BusKeys keys;
        using (KeyFile file = KeyFile.Open(path))
        {
            IpcNamespace.Require(path, file.IpcNamespace, "not replaced");
            // Read without read permission if need be (SEM_STAT_ANY, SHM_STAT_ANY): objects another
            // user made at the keys may not be readable by the key file's owner.
            BusObjects objects = BusObjects.Find(path, file.Keys, withoutRead: true);
            bool stale = IsStale(file, objects);
            bool planted = objects.DistrustCreator(file.Uid) is not null;
            if (!stale && !planted)
            {
                if (objects.BothExist && objects.DistrustModes(file.Mode) is null) return path; // made a usable bus meanwhile
                throw refused;
            }
            if (file.Uid != CurrentUser)
                throw stale
                    ? new BusAccessDeniedException(
                        $"{path}: a stale bus key file (its objects are gone) owned by uid {file.Uid}, not by you: not replacing another user's file",
                        path, Interop.Errors.EPERM)
                    : refused;
            keys = CreateObjects(path, out BusRegistry.Pending? record);
            using (record)
            {
                try
                {
                    if (file.ReplaceWith(keys)) return path;
                }
                catch
                {
                    RemoveObjects(keys);
                    throw;
                }
            }
        }
        // Another file was put at the path meanwhile (another 'bus create' won): use that one.
        RemoveObjects(keys);
        Open(path, BusAccess.Listen).Dispose();
        return path;
    }

    /// <summary>
    /// Makes the semaphore array and the segment under fresh random keys for the key file
    /// <paramref name="path"/>, recorded in the caller's registry (<see cref="BusRegistry"/>) before
    /// the first object exists: <paramref name="record"/> (null if the registry cannot be written)
    /// stays locked until the caller disposes it, once the key file is in place or the objects are
    /// removed again, so that <c>bus gc --orphans</c> never takes objects still being set up for an orphan.
    /// </summary>
    private static BusKeys CreateObjects(string path, out BusRegistry.Pending? record)
    {
        const int attempts = 1000;
        BusRegistry registry = BusRegistry.Default;
        for (int i = 0; i < attempts; i++)
        {
            var keys = new BusKeys(KernelRandom.GetInt32(1, 1 << 30), KernelRandom.GetInt32(1, 1 << 30));
            // Keys in use are skipped before the record names them (so a record never names
            // another program's object but in a race within these few calls).
            if (!IsFree(path, "semaphore array", keys.SemaphoreKey, SemGet(keys.SemaphoreKey, 0, 0))
                || !IsFree(path, "shared memory segment", keys.SegmentKey, ShmGet(keys.SegmentKey, 0, 0)))
                continue;
            record = registry.Begin(path, keys, out bool taken);
            if (taken) continue;
            int semid = SemGet(keys.SemaphoreKey, Semaphores.Count, IPC_CREAT | IPC_EXCL | OwnerReadWrite);
            if (semid < 0)
            {
                int errno = Interop.Errors.LastErrno;
                record?.Abandon();
                if (BusErrors.IsTaken(errno)) continue;
                throw BusErrors.FromCreation(errno, path, "semaphore array");
            }
            record?.Made("semid", semid);
            unsafe
            {
                fixed (ushort* values = Semaphores.InitialValues)
                {
                    if (SemCtl(semid, 0, SETALL, values) != 0)
                    {
                        int errno = Interop.Errors.LastErrno;
                        SemCtl(semid, 0, IPC_RMID);
                        record?.Abandon();
                        throw BusErrors.FromCreation(errno, path, "semaphore array");
                    }
                }
            }
            int shmid = ShmGet(keys.SegmentKey, SharedSegmentHandle.Size, IPC_CREAT | IPC_EXCL | OwnerReadWrite);
            if (shmid < 0)
            {
                int errno = Interop.Errors.LastErrno;
                SemCtl(semid, 0, IPC_RMID);
                record?.Abandon();
                if (BusErrors.IsTaken(errno)) continue;
                throw BusErrors.FromCreation(errno, path, "shared memory segment");
            }
            record?.Made("shmid", shmid);
            return keys;
        }
        throw new BusException($"{path}: cannot create the bus: no free keys after {attempts} random tries", path, Interop.Errors.EEXIST);
    }

    /// <summary>True if no object has the key (<paramref name="id"/> is the look-up's result).</summary>
    private static bool IsFree(string path, string what, int key, int id)
    {
        if (id >= 0) return false;
        int errno = Interop.Errors.LastErrno;
        if (BusErrors.IsNoSuchKey(errno)) return true;
        return BusErrors.IsDenied(errno) ? false : throw BusErrors.FromCreation(errno, path, what);
    }

    private static void RemoveObjects(BusKeys keys)
    {
        int semid = SemGet(keys.SemaphoreKey, 0, 0);
        if (semid >= 0) SemCtl(semid, 0, IPC_RMID);
        unsafe
        {
            int shmid = ShmGet(keys.SegmentKey, 0, 0);
            if (shmid >= 0) ShmCtl(shmid, IPC_RMID, null);
        }
    }

    /// <summary>Reads the five semaphores S W X Q N at one instant, for diagnostics.</summary>
    public BusSemaphoreValues GetSemaphoreValues() => BusSemaphoreValues.From(_semaphores.GetValues());

    /// <summary>
    /// Detaches the segment (once no copy is in progress and every listener started from
    /// this handle has left). The bus itself stays. From then on this handle refuses to
    /// broadcast or start listeners; queued <c>BroadcastAsync</c> calls not yet sent fail with
    /// <see cref="ObjectDisposedException"/>. Idempotent.
    /// </summary>
    public void Dispose()
    {
        _disposed = true;
        _broadcastQueue?.Close();
        _segment.Dispose();
    }

    private void ThrowIfCannot(BusAccess needed)
    {
        // Not _segment.IsClosed: a listener's lease keeps the segment open after Dispose.
        ObjectDisposedException.ThrowIf(_disposed, this);
        if ((Access & needed) == 0)
            throw new InvalidOperationException($"{Path}: this handle was opened for {Access}, not {needed}");
    }
}
