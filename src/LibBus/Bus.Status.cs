using Microsoft.Win32.SafeHandles;
using static LibBus.Interop.Libc;

namespace LibBus;

public sealed partial class Bus
{
    /// <summary>
    /// The directory of buses created without a path: <c>$XDG_RUNTIME_DIR/bus</c>, or
    /// <c>/run/bus</c> when <c>XDG_RUNTIME_DIR</c> is unset or empty.
    /// </summary>
    public static string DefaultDirectory
        => Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") is { Length: > 0 } runtime
            ? System.IO.Path.Combine(runtime, "bus")
            : "/run/bus";

    /// <summary>
    /// Reads what the bus at <paramref name="path"/> is doing, without changing it: the key
    /// file is read, the objects are looked up and read with <c>IPC_STAT</c>, <c>GETALL</c>,
    /// <c>GETNCNT</c> and <c>GETZCNT</c>; nothing is attached, taken or waited for.
    /// A stale or partial bus is reported, not thrown.
    /// </summary>
    /// <exception cref="BusNotFoundException">No key file.</exception>
    /// <exception cref="BusKeyFileCorruptException">Not a bus key file.</exception>
    /// <exception cref="BusObjectMismatchException">The key file names IPC objects of another shape (not made by bus).</exception>
    /// <exception cref="BusAccessDeniedException">
    /// The key file or the objects cannot be read, or the objects are not the key file's (as
    /// <see cref="Open(string, BusAccess)"/> refuses them).
    /// </exception>
    /// <exception cref="BusNamespaceException">The key file was made in another IPC namespace.</exception>
    public static BusStatus GetStatus(string path)
    {
        SafeFile.CheckPath(path);
        BusKeys keys = KeyFileFormat.Read(path, out Statx file, out ulong? ipcNamespace);
        IpcNamespace.Require(path, ipcNamespace, "not read");
        return ReadStatus(path, keys, file);
    }

    /// <summary>
    /// The buses whose key files are in <paramref name="directory"/> (not its subdirectories),
    /// sorted by path, each read as <see cref="GetStatus(string)"/> does. Entries that are not
    /// bus key files (other files, symlinks, special files, files the caller cannot read, files
    /// naming objects of another shape) are skipped; buses whose objects the caller may not read
    /// are listed as <see cref="BusState.Unreadable"/>, key files made in another IPC namespace as
    /// <see cref="BusState.OtherNamespace"/>, and objects <see cref="Open(string, BusAccess)"/> would
    /// refuse as <see cref="BusState.Untrusted"/>.
    /// </summary>
    /// <exception cref="BusNotFoundException">The directory does not exist.</exception>
    /// <exception cref="BusAccessDeniedException">The directory cannot be read.</exception>
    public static IReadOnlyList<BusStatus> ListBuses(string directory)
    {
        var result = new List<BusStatus>();
        foreach (string path in KeyFileCandidates(directory))
        {
            try
            {
                using KeyFile file = KeyFile.Open(path);
                result.Add(IpcNamespace.IsHere(file.IpcNamespace)
                    ? ReadStatus(path, file.Keys, file.Status, listing: true)
                    : new BusStatus { Path = path, State = BusState.OtherNamespace, Keys = file.Keys, KeyFile = Ownership(file.Status) });
            }
            catch (BusException e) when (e is BusKeyFileCorruptException or BusObjectMismatchException or BusNotFoundException or BusAccessDeniedException)
            {
                // Not a bus key file, gone meanwhile, or not ours to read.
            }
        }
        return result;
    }

    /// <summary>
    /// The regular files directly in <paramref name="directory"/>, sorted by their bytes (no
    /// symlinks, FIFOs or devices). Names are read with <c>getdents64</c> and kept byte for byte
    /// (<see cref="Interop.FileNames"/>: a byte that is not UTF-8 is U+DC80..U+DCFF), so a key file
    /// whose name is not UTF-8 is listed and opened like any other.
    /// </summary>
    internal static unsafe List<string> KeyFileCandidates(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        using SafeFileHandle fd = Interop.Libc.Open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd.IsInvalid) throw BusErrors.FromDirectory(Interop.Errors.LastErrno, directory);
        var names = new List<byte[]>();
        const int size = 32768;
        byte[] buffer = new byte[size];
        fixed (byte* start = buffer)
        {
            while (true)
            {
                nint n = GetDents64(fd, start, size);
                if (n < 0)
                {
                    int errno = Interop.Errors.LastErrno;
                    if (BusErrors.IsInterrupted(errno)) continue;
                    throw BusErrors.FromDirectory(errno, directory);
                }
                if (n == 0) break;
                for (nint at = 0; at < n;)
                {
                    var entry = (Dirent64*)(start + at);
                    byte* name = (byte*)&entry->Type + 1;
                    var bytes = new ReadOnlySpan<byte>(name, entry->RecLen - (int)(name - (byte*)entry));
                    bytes = bytes[..bytes.IndexOf((byte)0)];
                    Statx status;
                    bool regular = entry->Type == DT_REG
                        || (entry->Type == DT_UNKNOWN && !bytes.SequenceEqual("."u8) && !bytes.SequenceEqual(".."u8)
                            && StatxCall(fd, Interop.FileNames.Decode(bytes), AT_SYMLINK_NOFOLLOW, STATX_TYPE, &status) == 0
                            && (status.Mode & S_IFMT) == S_IFREG);
                    if (regular) names.Add(bytes.ToArray());
                    at += entry->RecLen;
                }
            }
        }
        names.Sort((a, b) => a.AsSpan().SequenceCompareTo(b));
        string prefix = directory.EndsWith('/') ? directory : directory + "/";
        return names.Select(name => prefix + Interop.FileNames.Decode(name)).ToList();
    }

    private static BusOwnership Ownership(in Statx file) => new(file.Uid, file.Gid, (UnixFileMode)(file.Mode & PermissionBits));

    /// <summary>
    /// The status of the objects <paramref name="keys"/> name, for a key file (<paramref name="file"/>)
    /// of this IPC namespace. Objects <see cref="Open(string, BusAccess)"/> would refuse are thrown
    /// (<see cref="BusObjects.RequireTrusted"/>), or, when <paramref name="listing"/>, listed as
    /// <see cref="BusState.Untrusted"/> without their status.
    /// </summary>
    private static BusStatus ReadStatus(string path, BusKeys keys, in Statx file, bool listing = false)
    {
        BusOwnership keyFile = Ownership(file);
        BusObjects objects;
        try
        {
            objects = BusObjects.Find(path, keys);
        }
        catch (BusAccessDeniedException) when (listing)
        {
            return new BusStatus { Path = path, State = BusState.Unreadable, Keys = keys, KeyFile = keyFile };
        }
        try
        {
            objects.RequireTrusted(path, file.Uid, file.Mode & PermissionBits);
        }
        catch (BusAccessDeniedException) when (listing)
        {
            return new BusStatus { Path = path, State = BusState.Untrusted, Keys = keys, KeyFile = keyFile };
        }
        BusSemaphoreArrayStatus? semaphores = objects.SemaphoreId >= 0 ? ReadSemaphores(path, objects.SemaphoreId, objects.Semaphores) : null;
        BusSegmentStatus? segment = objects.SegmentId >= 0 ? SegmentStatus(objects.SegmentId, objects.Segment) : null;
        BusState state = (semaphores, segment) switch
        {
            (not null, not null) => BusState.Alive,
            (null, null) => BusState.Stale,
            _ => BusState.Partial,
        };
        return BusStatus.From(path, keys, keyFile, state, semaphores, segment);
    }

    private static readonly string[] SemaphoreNames = ["S", "W", "X", "Q", "N"];

    /// <summary>GETALL, then GETNCNT and GETZCNT of each semaphore; null if the array was removed meanwhile.</summary>
    private static unsafe BusSemaphoreArrayStatus? ReadSemaphores(string path, int id, in SemidDs stat)
    {
        ushort* values = stackalloc ushort[Semaphores.Count];
        if (SemCtl(id, 0, GETALL, values) != 0)
            return Vanished(path, "reading the semaphores");
        var semaphores = new BusSemaphore[Semaphores.Count];
        for (int i = 0; i < Semaphores.Count; i++)
        {
            int increase = SemCtl(id, i, GETNCNT);
            int zero = increase < 0 ? -1 : SemCtl(id, i, GETZCNT);
            if (zero < 0)
                return Vanished(path, "reading the semaphore wait counts");
            semaphores[i] = new BusSemaphore(SemaphoreNames[i], values[i], increase, zero);
        }
        return new BusSemaphoreArrayStatus(id, Ownership(stat.Perm), Time(stat.OTime), DateTimeOffset.FromUnixTimeSeconds(stat.CTime), semaphores);
    }

    /// <summary>The semaphores of <paramref name="objects"/>' array (which must exist); null if removed meanwhile.</summary>
    internal static BusSemaphoreArrayStatus? ReadSemaphoresOf(string path, BusObjects objects)
        => ReadSemaphores(path, objects.SemaphoreId, objects.Semaphores);

    private static BusSemaphoreArrayStatus? Vanished(string path, string operation)
    {
        int errno = Interop.Errors.LastErrno;
        return BusErrors.IsRemoved(errno) ? null : throw BusErrors.FromErrno(errno, path, operation);
    }

    private static BusSegmentStatus SegmentStatus(int id, in ShmidDs stat)
        => new(id, Ownership(stat.Perm), (int)stat.NAttch, stat.CPid, stat.LPid, Time(stat.ATime), Time(stat.DTime), DateTimeOffset.FromUnixTimeSeconds(stat.CTime));

    private static BusOwnership Ownership(in IpcPerm perm) => new(perm.Uid, perm.Gid, (UnixFileMode)(perm.Mode & PermissionBits));

    /// <summary>A kernel time in seconds since the epoch; 0 (never) is null.</summary>
    private static DateTimeOffset? Time(long seconds) => seconds == 0 ? null : DateTimeOffset.FromUnixTimeSeconds(seconds);
}
