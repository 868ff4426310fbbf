using System.Text;
using Microsoft.Win32.SafeHandles;

namespace LibBus;

/// <summary>
/// Files in directories other users may write (a bus's key file, a readiness file): a path any
/// verb can open, reads and writes that finish, new files under private temporary names
/// (<c>O_CREAT|O_EXCL|O_NOFOLLOW</c>), and unlinking a name only while it still is the file meant.
/// <see cref="KeyFileFormat"/>, <see cref="KeyFile"/> and <see cref="BusReadyFile"/> use them.
/// </summary>
internal static class SafeFile
{
    /// <summary>The longest path a bus may have, in bytes of UTF-8: what open(2) takes whole (PATH_MAX, 4096, with the NUL).</summary>
    internal const int MaxPathBytes = 4095;

    /// <summary>
    /// The one rule for a bus's path, in every entry point: not null or empty, and at most
    /// <see cref="MaxPathBytes"/> bytes, so that each verb can open what another made (creating
    /// through the directory could take a longer one that no open would take).
    /// </summary>
    /// <exception cref="ArgumentException">The path is null or empty.</exception>
    /// <exception cref="BusException">The path is too long (errno ENAMETOOLONG).</exception>
    internal static void CheckPath(string path, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(path))] string? name = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path, name);
        if (path.Length <= MaxPathBytes / 3) return;
        int bytes = Encoding.UTF8.GetByteCount(path);
        if (bytes > MaxPathBytes)
            throw new BusException($"{path}: path too long: {bytes} bytes, at most {MaxPathBytes} (PATH_MAX)", path, Interop.Errors.ENAMETOOLONG);
    }

    /// <summary>
    /// Reads from <paramref name="fd"/> into <paramref name="buffer"/> until end of file or
    /// <paramref name="limit"/> bytes (EINTR re-reads); 0 or the errno, with <paramref name="length"/>
    /// the bytes read before it.
    /// </summary>
    internal static unsafe int ReadAll(SafeFileHandle fd, byte* buffer, int limit, out int length)
    {
        length = 0;
        while (length < limit)
        {
            nint n = Interop.Libc.Read(fd, buffer + length, (nuint)(limit - length));
            if (n < 0)
            {
                int errno = Interop.Errors.LastErrno;
                if (BusErrors.IsInterrupted(errno)) continue;
                return errno;
            }
            if (n == 0) break;
            length += (int)n;
        }
        return 0;
    }

    /// <summary>
    /// The file type (<c>S_IF*</c>) of what <paramref name="path"/> itself names, a symlink not
    /// followed; -1 if nothing is there (or it cannot be looked at).
    /// </summary>
    internal static unsafe int TypeOf(string path)
    {
        Interop.Libc.Statx status;
        return Interop.Libc.StatxCall(Interop.Libc.AT_FDCWD, path, Interop.Libc.AT_SYMLINK_NOFOLLOW, Interop.Libc.STATX_TYPE, &status) == 0
            ? status.Mode & Interop.Libc.S_IFMT
            : -1;
    }

    /// <summary>
    /// As <see cref="KeyFileFormat.WriteTemporary(string, SafeFileHandle, byte[])"/>, for any small file: a name starting with
    /// <paramref name="prefix"/>, <paramref name="mode"/>, and the errors for a failed create and a
    /// failed write. The descriptor written stays open (<paramref name="fd"/>, the caller disposes it):
    /// while it is open, the file's inode cannot be reused, so it tells this very file from any
    /// other whatever happens to the name.
    /// </summary>
    internal static string WriteTemporary(string path, SafeFileHandle dirFd, byte[] text, string prefix, uint mode,
        out SafeFileHandle fd, Func<int, Exception> createFailed, Func<int, Exception> writeFailed)
    {
        string temporary;
        while (true)
        {
            temporary = prefix + KernelRandom.GetHexString(16);
            fd = Interop.Libc.OpenAt(dirFd, temporary,
                Interop.Libc.O_WRONLY | Interop.Libc.O_CREAT | Interop.Libc.O_EXCL | Interop.Libc.O_NOFOLLOW | Interop.Libc.O_CLOEXEC,
                mode);
            if (!fd.IsInvalid) break;
            int openErrno = Interop.Errors.LastErrno;
            fd.Dispose();
            if (!BusErrors.IsTaken(openErrno))
                throw createFailed(openErrno);
        }
        int errno = WriteAll(fd, text);
        if (errno != 0)
        {
            fd.Dispose();
            Interop.Libc.UnlinkAt(dirFd, temporary, 0);
            throw writeFailed(errno);
        }
        return temporary;
    }

    /// <summary>
    /// Writes all of <paramref name="text"/> to <paramref name="fd"/>; 0 or the errno. EINTR writes
    /// again, unless the C ABI's bus_create with BUS_INTR asked for it to fail the call
    /// (<see cref="CallerInterruption"/>) and the write is <paramref name="interruptible"/>: the
    /// key file's, the one write BUS_INTR governs in bus 3.1.x.
    /// </summary>
    internal static unsafe int WriteAll(SafeFileHandle fd, byte[] text, bool interruptible = true)
    {
        fixed (byte* p = text)
        {
            int written = 0;
            while (written < text.Length)
            {
                nint n = Interop.Libc.Write(fd, p + written, (nuint)(text.Length - written));
                if (n < 0)
                {
                    int errno = Interop.Errors.LastErrno;
                    if (BusErrors.IsInterrupted(errno) && !(interruptible && CallerInterruption.Fails)) continue;
                    return errno;
                }
                written += (int)n;
            }
        }
        return 0;
    }

    /// <summary>
    /// Unlinks <paramref name="name"/> in <paramref name="dirFd"/>, but only while it still is the
    /// file <paramref name="status"/> describes: a file another process put at that name stays. The
    /// name is first moved to a private temporary name (atomically, never replacing anything),
    /// checked there by inode, and unlinked or put back; without RENAME_NOREPLACE, it is checked
    /// and unlinked (a window of one system call). The directory's <see cref="DirectoryNameLock"/>
    /// is held exclusively meanwhile, so that no LibBus create takes the name while it is away.
    /// </summary>
    internal static BusPartRemoval UnlinkIfSame(SafeFileHandle dirFd, string name, in Interop.Libc.Statx status)
    {
        using DirectoryNameLock nameLock = DirectoryNameLock.Exclusive(dirFd);
        string temporary = ".bus-remove." + KernelRandom.GetHexString(16);
        if (Interop.Libc.RenameAt2(dirFd, name, dirFd, temporary, Interop.Libc.RENAME_NOREPLACE) != 0)
        {
            int errno = Interop.Errors.LastErrno;
            if (BusErrors.IsNoSuchFile(errno)) return AlreadyGone;
            if (BusErrors.IsRenameUnsupported(errno))
            {
                if (!IsSameFile(dirFd, name, status)) return AlreadyGone;
                return Interop.Libc.UnlinkAt(dirFd, name, 0) == 0 ? new BusPartRemoval(true, false, null) : Failed(Interop.Errors.LastErrno);
            }
            return Failed(errno);
        }
        if (!IsSameFile(dirFd, temporary, status))
        {
            // Not ours: someone replaced the file meanwhile. Put theirs back.
            if (Interop.Libc.RenameAt2(dirFd, temporary, dirFd, name, Interop.Libc.RENAME_NOREPLACE) != 0)
            {
                int errno = Interop.Errors.LastErrno;
                return new BusPartRemoval(false, true,
                    $"the file had been replaced by another file, which could not be put back and is now named {temporary}: {Interop.Errors.Text(errno)}", errno);
            }
            return AlreadyGone;
        }
        if (Interop.Libc.UnlinkAt(dirFd, temporary, 0) == 0)
            return new BusPartRemoval(true, false, null);
        int unlinkErrno = Interop.Errors.LastErrno;
        Interop.Libc.RenameAt2(dirFd, temporary, dirFd, name, Interop.Libc.RENAME_NOREPLACE);
        return Failed(unlinkErrno);
    }

    internal static unsafe bool IsSameFile(SafeFileHandle dirFd, string name, in Interop.Libc.Statx status)
    {
        Interop.Libc.Statx now;
        return Interop.Libc.StatxCall(dirFd, name, Interop.Libc.AT_SYMLINK_NOFOLLOW, Interop.Libc.STATX_INO, &now) == 0
               && now.SameFile(status);
    }

    private static BusPartRemoval AlreadyGone => new(false, true, null);

    private static BusPartRemoval Failed(int errno) => new(false, false, Interop.Errors.Text(errno), errno);

    /// <summary>The file type (<c>S_IF*</c>) of what <paramref name="fd"/> is open on; -1 if it cannot be looked at.</summary>
    internal static unsafe int TypeOfDescriptor(SafeFileHandle fd)
    {
        Interop.Libc.Statx status;
        return Interop.Libc.StatxCall(fd, "", Interop.Libc.AT_EMPTY_PATH, Interop.Libc.STATX_TYPE, &status) == 0
            ? status.Mode & Interop.Libc.S_IFMT
            : -1;
    }

    /// <summary>
    /// <c>/proc/self/fd/N</c> for the open descriptor <paramref name="fd"/>: a name for exactly the
    /// file it is open on, for the calls that take a path (<c>fchmodat</c>, <c>linkat</c>, <c>open</c>).
    /// The name means that file only while <paramref name="fd"/> stays open, which the caller ensures.
    /// </summary>
    internal static string ProcSelfFd(SafeFileHandle fd)
        => "/proc/self/fd/" + ((int)fd.DangerousGetHandle()).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// The directory part and the last component of <paramref name="path"/>; false if the last
    /// component names no file (empty, <c>.</c> or <c>..</c>).
    /// </summary>
    internal static bool TrySplitPath(string path, out string directory, out string name)
    {
        int slash = path.LastIndexOf('/');
        directory = slash < 0 ? "." : slash == 0 ? "/" : path[..slash];
        name = path[(slash + 1)..];
        return name.Length != 0 && name is not ("." or "..");
    }

    /// <summary>
    /// Opens <paramref name="directory"/> (symlinks in it are followed: the caller named it) as an
    /// <c>O_PATH</c> descriptor, which needs only search permission, for the <c>*at</c> calls; an invalid handle and errno if it cannot.
    /// </summary>
    internal static SafeFileHandle OpenDirectory(string directory)
        => Interop.Libc.Open(directory, Interop.Libc.O_PATH | Interop.Libc.O_DIRECTORY | Interop.Libc.O_CLOEXEC);
}
