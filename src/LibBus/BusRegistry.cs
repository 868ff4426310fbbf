using System.Globalization;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace LibBus;

/// <summary>
/// The records that let <c>bus gc --orphans</c> prove a bus an orphan (bus-gc(1), ORPHANS). Before
/// <see cref="Bus.Create(string, bool)"/> makes a bus's objects, it writes a record for them in the
/// caller's registry, <c>.registry</c> (mode 0700) in <see cref="Bus.DefaultDirectory"/> (when that
/// directory exists; <c>bus create</c> without a path makes it): a file
/// named <c>SEMKEY.SHMKEY</c> holding the creating process's pid, the time, its IPC and mount
/// namespaces and the key file's absolute path, then the id of each object as it is made. The
/// creating process holds an exclusive <c>flock</c> on the record from before the first object
/// exists until the key file is in place (or the objects are removed again); the kernel drops it
/// if the process dies. Garbage collection acts on a record only while it holds that lock itself.
/// <para>
/// So an object is an orphan only if a record of the caller's says this create made it, no create
/// is still at work on it, and the one key file made for it no longer names it. Objects without a
/// record (made by C programs, older LibBus, or a create that could not write one) are never
/// orphans. A record is best effort for <c>create</c>: if the registry cannot be written, the bus
/// is made without one.
/// </para>
/// </summary>
internal sealed class BusRegistry
{
    private const string Magic = "libbus-record 1";

    public BusRegistry(string directory) => Directory = directory;

    /// <summary>The registry directory.</summary>
    public string Directory { get; }

    /// <summary>The registry of the caller: <c>.registry</c> in <see cref="Bus.DefaultDirectory"/>.</summary>
    public static BusRegistry Default => new(System.IO.Path.Combine(Bus.DefaultDirectory, ".registry"));

    private static string Name(BusKeys keys)
        => string.Create(CultureInfo.InvariantCulture, $"{keys.SemaphoreKey}.{keys.SegmentKey}");

    /// <summary>The caller's IPC and mount namespaces (as <c>/proc/self/ns</c> names them), "" if unknown.</summary>
    internal static string Namespace(string kind)
    {
        try
        {
            return new FileInfo("/proc/self/ns/" + kind).LinkTarget ?? "";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    /// <summary>
    /// Opens the registry directory: it must be a directory (not a symlink) owned by the caller
    /// that nobody else may write. With <paramref name="create"/>, it is made (mode 0700) if missing
    /// and <see cref="Bus.DefaultDirectory"/> exists. Null if it is not there or not trusted.
    /// </summary>
    private unsafe SafeFileHandle? OpenDirectory(bool create)
    {
        if (create)
        {
            // Only in a default directory that exists: a create never makes /run/bus as a side effect.
            if (!System.IO.Directory.Exists(System.IO.Path.GetDirectoryName(Directory))) return null;
            try
            {
                System.IO.Directory.CreateDirectory(Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
            catch (Exception e) when (e is BusException or IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }
        SafeFileHandle fd = Interop.Libc.Open(Directory, Interop.Libc.O_RDONLY | Interop.Libc.O_DIRECTORY | Interop.Libc.O_NOFOLLOW | Interop.Libc.O_CLOEXEC);
        Interop.Libc.Statx status;
        if (fd.IsInvalid
            || Interop.Libc.StatxCall(fd, "", Interop.Libc.AT_EMPTY_PATH, Interop.Libc.STATX_TYPE | Interop.Libc.STATX_MODE | Interop.Libc.STATX_UID, &status) != 0
            || (status.Mode & Interop.Libc.S_IFMT) != Interop.Libc.S_IFDIR
            || status.Uid != Interop.Libc.GetEUid()
            || (status.Mode & 0x12) != 0) // group or other may write: not trusted
        {
            fd.Dispose();
            return null;
        }
        return fd;
    }

    /// <summary>
    /// Writes and locks the record for a bus about to be made with <paramref name="keys"/> for the
    /// key file <paramref name="path"/>. Null if the registry cannot be used (the bus is then made
    /// without a record); <paramref name="taken"/> if a record of these keys exists (choose others).
    /// </summary>
    public Pending? Begin(string path, BusKeys keys, out bool taken)
    {
        taken = false;
        if (OpenDirectory(create: true) is not { } dirFd) return null;
        string name = Name(keys);
        SafeFileHandle fd = Interop.Libc.OpenAt(dirFd, name,
            Interop.Libc.O_WRONLY | Interop.Libc.O_CREAT | Interop.Libc.O_EXCL | Interop.Libc.O_NOFOLLOW | Interop.Libc.O_CLOEXEC | Interop.Libc.O_APPEND,
            0x180);
        if (fd.IsInvalid)
        {
            taken = BusErrors.IsTaken(Interop.Errors.LastErrno);
            fd.Dispose();
            dirFd.Dispose();
            return null;
        }
        var pending = new Pending(dirFd, fd, name);
        // The lock is free (the file is new, and nobody acts on a record without taking it first and
        // reading it whole): taken before anything is written, held until the key file is in place.
        if (Interop.Libc.Flock(fd, Interop.Libc.LOCK_EX) != 0 || !pending.Append(Text(path)))
        {
            pending.Abandon();
            return null;
        }
        return pending;
    }

    private static string Text(string path)
    {
        string absolute = path.StartsWith('/') ? path : Environment.CurrentDirectory.TrimEnd('/') + "/" + path;
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return string.Create(CultureInfo.InvariantCulture,
            $"{Magic}\npid {Environment.ProcessId}\ntime {now}\nipc {Namespace("ipc")}\nmnt {Namespace("mnt")}\npath {Convert.ToHexString(Interop.FileNames.ToBytes(absolute) ?? Encoding.UTF8.GetBytes(absolute))}\n");
    }

    /// <summary>A record being written by a create, locked until disposed.</summary>
    internal sealed class Pending(SafeFileHandle dirFd, SafeFileHandle fd, string name) : IDisposable
    {
        /// <summary>Appends the id of an object just made (<c>semid</c> or <c>shmid</c>).</summary>
        public void Made(string what, int id) => Append(string.Create(CultureInfo.InvariantCulture, $"{what} {id}\n"));

        /// <remarks>
        /// Bookkeeping of LibBus's own, not the key file: an EINTR writes again even for the C ABI's
        /// bus_create with BUS_INTR, which would otherwise make the bus without its record and succeed.
        /// </remarks>
        internal bool Append(string text) => !fd.IsClosed && SafeFile.WriteAll(fd, Encoding.ASCII.GetBytes(text), interruptible: false) == 0;

        /// <summary>The objects were not made after all (or are removed again): the record goes.</summary>
        public void Abandon()
        {
            if (fd.IsClosed) return;
            Interop.Libc.UnlinkAt(dirFd, name, 0);
            Dispose();
        }

        /// <summary>The key file is in place: the record stays, and the lock is released.</summary>
        public void Dispose()
        {
            fd.Dispose();
            dirFd.Dispose();
        }
    }

    /// <summary>One record, read and locked by garbage collection (see <see cref="Records"/>).</summary>
    internal sealed class Record(SafeFileHandle dirFd, SafeFileHandle fd, string name) : IDisposable
    {
        public BusKeys Keys { get; init; }
        public int Pid { get; init; }
        public long Time { get; init; }
        public string Ipc { get; init; } = "";
        public string Mnt { get; init; } = "";
        public string Path { get; init; } = "";
        public int SemaphoreId { get; init; } = -1;
        public int SegmentId { get; init; } = -1;

        /// <summary>Unlinks the record (its objects are gone).</summary>
        public void Delete() => Interop.Libc.UnlinkAt(dirFd, name, 0);

        public void Dispose() => fd.Dispose();
    }

    /// <summary>
    /// The records of the registry, each opened (never through a symlink), checked to be a regular
    /// file of the caller's, locked (<c>LOCK_EX|LOCK_NB</c>: a record a create still holds is
    /// skipped) and read; records that cannot be read whole are skipped. The caller disposes each,
    /// which releases its lock. Empty if the registry is missing or not trusted.
    /// </summary>
    public IEnumerable<Record> Records()
    {
        if (OpenDirectory(create: false) is not { } dirFd) yield break;
        using (dirFd)
        {
            string[] names;
            try
            {
                names = System.IO.Directory.GetFiles(Directory).Select(System.IO.Path.GetFileName).ToArray()!;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                yield break;
            }
            Array.Sort(names, StringComparer.Ordinal);
            foreach (string name in names)
            {
                if (TryKeys(name) is not { } keys) continue;
                if (Open(dirFd, name, keys) is { } record) yield return record;
            }
        }
    }

    private static BusKeys? TryKeys(string name)
    {
        int dot = name.IndexOf('.', 1);
        return dot > 0
               && int.TryParse(name.AsSpan(0, dot), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int sem)
               && int.TryParse(name.AsSpan(dot + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int shm)
               && name == Name(new BusKeys(sem, shm))
            ? new BusKeys(sem, shm)
            : null;
    }

    private static unsafe Record? Open(SafeFileHandle dirFd, string name, BusKeys keys)
    {
        SafeFileHandle fd = Interop.Libc.OpenAt(dirFd, name,
            Interop.Libc.O_RDONLY | Interop.Libc.O_NOFOLLOW | Interop.Libc.O_NONBLOCK | Interop.Libc.O_CLOEXEC | Interop.Libc.O_NOCTTY, 0);
        Record? record = null;
        try
        {
            Interop.Libc.Statx status;
            if (fd.IsInvalid
                || Interop.Libc.StatxCall(fd, "", Interop.Libc.AT_EMPTY_PATH, Interop.Libc.STATX_TYPE | Interop.Libc.STATX_UID, &status) != 0
                || (status.Mode & Interop.Libc.S_IFMT) != Interop.Libc.S_IFREG
                || status.Uid != Interop.Libc.GetEUid()
                || Interop.Libc.Flock(fd, Interop.Libc.LOCK_EX | Interop.Libc.LOCK_NB) != 0)
                return null;
            byte* buffer = stackalloc byte[8192];
            SafeFile.ReadAll(fd, buffer, 8192, out int length); // a read error leaves what was read: only whole lines count
            record = Parse(dirFd, fd, name, keys, Encoding.ASCII.GetString(buffer, length));
            return record;
        }
        finally
        {
            if (record is null) fd.Dispose();
        }
    }

    private static Record? Parse(SafeFileHandle dirFd, SafeFileHandle fd, string name, BusKeys keys, string text)
    {
        // Only whole lines count: a record cut short by a killed create ends without its newline.
        string[] lines = text.Split('\n');
        if (lines[0] != Magic) return null;
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in lines.Skip(1).SkipLast(1))
        {
            int space = line.IndexOf(' ');
            if (space > 0) fields.TryAdd(line[..space], line[(space + 1)..]);
        }
        static int Int(Dictionary<string, string> f, string key, int missing)
            => f.TryGetValue(key, out string? v) && int.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int n) ? n : missing;
        if (!fields.TryGetValue("path", out string? hex) || !fields.TryGetValue("ipc", out string? ipc)
            || !fields.TryGetValue("mnt", out string? mnt) || !fields.TryGetValue("time", out string? time)
            || !long.TryParse(time, NumberStyles.None, CultureInfo.InvariantCulture, out long seconds)
            || Int(fields, "pid", 0) <= 0)
            return null;
        byte[] path;
        try
        {
            path = Convert.FromHexString(hex);
        }
        catch (FormatException)
        {
            return null;
        }
        return new Record(dirFd, fd, name)
        {
            Keys = keys,
            Pid = Int(fields, "pid", 0),
            Time = seconds,
            Ipc = ipc,
            Mnt = mnt,
            Path = Interop.FileNames.Decode(path),
            SemaphoreId = Int(fields, "semid", -1),
            SegmentId = Int(fields, "shmid", -1),
        };
    }

    /// <summary>
    /// Removes the record of <paramref name="keys"/> once its objects are gone (<c>bus remove</c>),
    /// if it is in this registry and no create holds it. Best effort: <c>bus gc</c> removes a record
    /// left behind.
    /// </summary>
    public void Forget(BusKeys keys)
    {
        using SafeFileHandle? dirFd = OpenDirectory(create: false);
        if (dirFd is null) return;
        using Record? record = Open(dirFd, Name(keys), keys);
        record?.Delete();
    }
}
