using System.Text;
using Microsoft.Win32.SafeHandles;

namespace LibBus;

/// <summary>
/// A readiness file: a program announces that it is ready (a listener, that it has joined) by
/// writing a line to a file another program waits on, and takes the file away when it ends.
/// The file may be in a directory other users can write (such as /tmp), so nothing here follows
/// a symlink another user could plant: a FIFO is opened with <c>O_NOFOLLOW</c> and written only
/// if it is one; otherwise the text goes to a new file under a random temporary name
/// (<c>O_CREAT|O_EXCL|O_NOFOLLOW</c>, mode 0644), renamed over the path (a symlink there is
/// replaced, never followed). <see cref="Dispose"/> removes that file, but only while the path
/// still names it (by inode, never through a symlink).
/// </summary>
internal sealed class BusReadyFile : IDisposable
{
    private readonly SafeFileHandle? _directory;
    private readonly string? _name;
    private readonly SafeFileHandle? _file; // open until Dispose: the inode cannot be reused meanwhile
    private readonly Interop.Libc.Statx _created;
    private int _disposed;

    private BusReadyFile(string path, SafeFileHandle? directory, string? name, SafeFileHandle? file, Interop.Libc.Statx created)
    {
        Path = path;
        _directory = directory;
        _name = name;
        _file = file;
        _created = created;
    }

    /// <summary>The path given.</summary>
    public string Path { get; }

    /// <summary>True if the path was a FIFO, written to rather than created (nothing to remove).</summary>
    public bool IsFifo => _name is null;

    /// <summary>
    /// Writes <paramref name="text"/> to <paramref name="path"/>: to a FIFO by opening it for writing
    /// (on a background thread, since the open waits for a reader; a reader's <c>read</c> then
    /// returns exactly after this call), otherwise by creating or replacing the file atomically.
    /// </summary>
    /// <exception cref="BusException">The file cannot be created; the message names the path, and the directory if it is missing.</exception>
    public static unsafe BusReadyFile Announce(string path, string text)
    {
        SafeFile.CheckPath(path);
        ArgumentNullException.ThrowIfNull(text);
        byte[] content = Encoding.UTF8.GetBytes(text);
        if (SafeFile.TypeOf(path) == Interop.Libc.S_IFIFO)
        {
            var thread = new Thread(() => WriteToFifo(path, content)) { IsBackground = true, Name = "ready fifo" };
            thread.Start();
            return new BusReadyFile(path, null, null, null, default);
        }
        if (!SafeFile.TrySplitPath(path, out string directory, out string name))
            throw new BusException($"{path}: cannot create the readiness file: it names a directory", path, Interop.Errors.EISDIR);
        SafeFileHandle dirFd = SafeFile.OpenDirectory(directory);
        if (dirFd.IsInvalid)
        {
            int errno = Interop.Errors.LastErrno;
            dirFd.Dispose();
            throw BusErrors.IsNoSuchDirectory(errno)
                ? new BusException($"{path}: cannot create the readiness file: no directory {directory}", path, errno)
                : Failure(path, errno);
        }
        SafeFileHandle? fd = null;
        try
        {
            string temporary = SafeFile.WriteTemporary(path, dirFd, content, ".bus-ready.", 0x1A4 /* 0644 */, out fd,
                errno => Failure(path, errno), errno => Failure(path, errno));
            Interop.Libc.Statx created;
            using DirectoryNameLock nameLock = DirectoryNameLock.Shared(dirFd);
            if (Interop.Libc.StatxCall(fd, "", Interop.Libc.AT_EMPTY_PATH, Interop.Libc.STATX_INO, &created) != 0
                || Interop.Libc.RenameAt2(dirFd, temporary, dirFd, name, 0) != 0)
            {
                int errno = Interop.Errors.LastErrno;
                Interop.Libc.UnlinkAt(dirFd, temporary, 0);
                throw Failure(path, errno);
            }
            return new BusReadyFile(path, dirFd, name, fd, created);
        }
        catch
        {
            fd?.Dispose();
            dirFd.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Removes the file <see cref="Announce"/> created, if the path still names it (a file someone
    /// else put there since stays); nothing for a FIFO. Never throws; safe to call more than once.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0 || _directory is null || _name is null) return;
        SafeFile.UnlinkIfSame(_directory, _name, _created);
        _file?.Dispose();
        _directory.Dispose();
    }

    private static unsafe void WriteToFifo(string path, byte[] content)
    {
        using SafeFileHandle fd = Interop.Libc.Open(path, Interop.Libc.O_WRONLY | Interop.Libc.O_NOFOLLOW | Interop.Libc.O_CLOEXEC | Interop.Libc.O_NOCTTY);
        if (fd.IsInvalid) return; // the FIFO went away; nothing to tell
        // Whatever the path names now, write only to a FIFO.
        if (SafeFile.TypeOfDescriptor(fd) == Interop.Libc.S_IFIFO)
            SafeFile.WriteAll(fd, content);
    }

    private static BusException Failure(string path, int errno)
        => BusErrors.FromCall(errno, path, "cannot create the readiness file");
}
