using System.Text;

namespace LibBus;

/// <summary>The two System V IPC keys a bus key file names.</summary>
/// <param name="SemaphoreKey">Key of the 5-semaphore array (line 1 of the key file).</param>
/// <param name="SegmentKey">Key of the 2048-byte shared memory segment (line 2).</param>
public readonly record struct BusKeys(int SemaphoreKey, int SegmentKey)
{
    /// <summary>The key file text: two decimal lines.</summary>
    public override string ToString() => $"{SemaphoreKey}\n{SegmentKey}\n";
}

/// <summary>Reads and writes bus key files (PROTOCOL.md, "Objects", item 1).</summary>
internal static class BusFile
{
    // Enough for two keys and anything a reader must tolerate after them.
    private const int ReadLimit = 4096;

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
    /// Reads the keys from <paramref name="path"/> (a symlink is followed: reading is harmless).
    /// Refuses, as a corrupt key file, anything that is not two key lines as PROTOCOL.md reads
    /// them, and never blocks on a FIFO.
    /// </summary>
    /// <remarks>Plain libc calls: this is on the path of every <c>bus broadcast</c>.</remarks>
    internal static BusKeys Read(string path) => Read(path, out _, out _);

    /// <summary>
    /// As <see cref="Read(string)"/>, also giving the key file's status (of the descriptor read)
    /// and the IPC namespace it records (<see cref="IpcNamespace"/>), or null.
    /// </summary>
    internal static BusKeys Read(string path, out Interop.Libc.Statx status, out ulong? ipcNamespace)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        int fd = Interop.Libc.Open(path, Interop.Libc.O_RDONLY | Interop.Libc.O_NONBLOCK | Interop.Libc.O_CLOEXEC | Interop.Libc.O_NOCTTY);
        if (fd < 0)
            throw BusErrors.FromKeyFile(Interop.Errors.LastErrno, path, KeyFileAction.Open);
        try
        {
            return ReadFrom(path, fd, out status, out ipcNamespace);
        }
        catch (BusKeyFileCorruptException e) when (e.Errno == 0 && TypeOf(path) == Interop.Libc.S_IFLNK)
        {
            // Reached through a link someone else may have planted (to /etc/shadow, say): say
            // what is wrong without quoting a byte of the file it points to, and what it points to
            // if that is no regular file at all (a directory, say).
            int target = TypeOfDescriptor(fd);
            throw new BusKeyFileCorruptException(target == Interop.Libc.S_IFREG || target < 0
                ? $"{path}: not a bus key file: a symbolic link to a file that is not one (its contents are not shown)"
                : $"{path}: not a bus key file: a symbolic link to {Describe(target)}, not to a regular file", path);
        }
        finally
        {
            Interop.Libc.Close(fd);
        }
    }

    /// <summary>
    /// Reads the keys from the open descriptor <paramref name="fd"/> of the key file
    /// <paramref name="path"/> (for messages), which must be a regular file, and the IPC namespace
    /// it records, or null.
    /// </summary>
    internal static unsafe BusKeys ReadFrom(string path, int fd, out Interop.Libc.Statx status, out ulong? ipcNamespace)
    {
        Interop.Libc.Statx result;
        const uint mask = Interop.Libc.STATX_TYPE | Interop.Libc.STATX_MODE | Interop.Libc.STATX_UID
                          | Interop.Libc.STATX_GID | Interop.Libc.STATX_INO;
        if (Interop.Libc.StatxCall(fd, "", Interop.Libc.AT_EMPTY_PATH, mask, &result) != 0)
        {
            throw BusErrors.FromKeyFile(Interop.Errors.LastErrno, path, KeyFileAction.Read);
        }
        status = result;
        int type = result.Mode & Interop.Libc.S_IFMT;
        if (type != Interop.Libc.S_IFREG)
            throw new BusKeyFileCorruptException($"{path}: not a bus key file: {Describe(type)}, not a regular file", path);

        byte* buffer = stackalloc byte[ReadLimit];
        int errno = ReadAll(fd, buffer, ReadLimit, out int length);
        if (errno != 0) throw BusErrors.FromKeyFile(errno, path, KeyFileAction.Read);
        return Parse(path, new ReadOnlySpan<byte>(buffer, length), out ipcNamespace);
    }

    /// <summary>
    /// Reads from <paramref name="fd"/> into <paramref name="buffer"/> until end of file or
    /// <paramref name="limit"/> bytes (EINTR re-reads); 0 or the errno, with <paramref name="length"/>
    /// the bytes read before it.
    /// </summary>
    internal static unsafe int ReadAll(int fd, byte* buffer, int limit, out int length)
    {
        length = 0;
        while (length < limit)
        {
            nint n = Interop.Libc.Read(fd, buffer + length, (nuint)(limit - length));
            if (n < 0)
            {
                int errno = Interop.Errors.LastErrno;
                if (errno == Interop.Errors.EINTR) continue;
                return errno;
            }
            if (n == 0) break;
            length += (int)n;
        }
        return 0;
    }

    /// <summary>
    /// Parses key file contents as PROTOCOL.md ("Objects", item 1) says: what the C
    /// reader (<c>getline</c> + <c>atoll</c>) reads the same way, wherever that is
    /// unambiguous. <paramref name="path"/> is for messages only.
    /// </summary>
    internal static BusKeys Parse(string path, ReadOnlySpan<byte> text) => Parse(path, text, out _);

    /// <summary>
    /// As <see cref="Parse(string, ReadOnlySpan{byte})"/>, also giving the IPC namespace recorded on
    /// the third line (<see cref="IpcNamespace.Parse"/>), or null.
    /// </summary>
    internal static BusKeys Parse(string path, ReadOnlySpan<byte> text, out ulong? ipcNamespace)
    {
        ipcNamespace = null;
        if (text.IsEmpty)
            throw new BusKeyFileCorruptException($"{path}: not a bus key file: line 1 (semaphore key) missing (found nothing)", path);
        int semaphoreKey = ParseLine(path, ref text, "line 1 (semaphore key)", out bool ended);
        if (!ended)
            throw new BusKeyFileCorruptException($"{path}: not a bus key file: line 2 (shared memory key) missing (found only one line)", path);
        if (text.IsEmpty)
            throw new BusKeyFileCorruptException($"{path}: not a bus key file: line 2 (shared memory key) missing (found nothing)", path);
        int segmentKey = ParseLine(path, ref text, "line 2 (shared memory key)", out _);
        int end = text.IndexOf((byte)'\n');
        ipcNamespace = IpcNamespace.Parse(end >= 0 ? text[..end] : text);
        return new BusKeys(semaphoreKey, segmentKey);
    }

    /// <summary>
    /// Takes one line off <paramref name="text"/> (through its <c>\n</c>, or to the end:
    /// <paramref name="ended"/> says which) and reads the key on it: blanks around it,
    /// a <c>\r</c> before the <c>\n</c>, a sign and leading zeros are accepted; anything
    /// else on the line, no digits, 0, -1 or a number outside <c>key_t</c> are refused.
    /// </summary>
    private static int ParseLine(string path, ref ReadOnlySpan<byte> text, string what, out bool ended)
    {
        int end = text.IndexOf((byte)'\n');
        ended = end >= 0;
        ReadOnlySpan<byte> line = ended ? text[..end] : text;
        text = ended ? text[(end + 1)..] : default;
        if (TryParseKey(line.Trim(" \t"u8).TrimEnd(" \t\r"u8), out int key) && key is not 0 and not -1)
            return key;
        throw new BusKeyFileCorruptException(
            $"{path}: not a bus key file: {what} is '{Shorten(line)}', not a decimal key from {int.MinValue} to {int.MaxValue} other than 0 and -1", path);
    }

    /// <summary>An optional sign and one or more decimal digits, nothing else, within <c>int</c>.</summary>
    private static bool TryParseKey(ReadOnlySpan<byte> number, out int key)
    {
        key = 0;
        bool negative = false;
        if (!number.IsEmpty && number[0] is (byte)'+' or (byte)'-')
        {
            negative = number[0] == '-';
            number = number[1..];
        }
        if (number.IsEmpty) return false;
        long value = 0;
        foreach (byte b in number)
        {
            if (b is < (byte)'0' or > (byte)'9') return false;
            value = value * 10 + (b - '0');
            if (value > 1L << 31) return false; // leading zeros never get here
        }
        if (negative) value = -value;
        if (value is < int.MinValue or > int.MaxValue) return false;
        key = (int)value;
        return true;
    }

    private static string Shorten(ReadOnlySpan<byte> bytes)
    {
        string s = Encoding.UTF8.GetString(bytes[..Math.Min(bytes.Length, 40)]);
        var sb = new StringBuilder(s.Length);
        foreach (char c in s)
            sb.Append(char.IsControl(c) ? $"\\x{(int)c:x2}" : c);
        if (bytes.Length > 40) sb.Append("...");
        return sb.ToString();
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

    /// <summary>The file type (<c>S_IF*</c>) of what <paramref name="fd"/> is open on; -1 if it cannot be looked at.</summary>
    private static unsafe int TypeOfDescriptor(int fd)
    {
        Interop.Libc.Statx status;
        return Interop.Libc.StatxCall(fd, "", Interop.Libc.AT_EMPTY_PATH, Interop.Libc.STATX_TYPE, &status) == 0
            ? status.Mode & Interop.Libc.S_IFMT
            : -1;
    }

    private static string Describe(int type) => type switch
    {
        Interop.Libc.S_IFDIR => "a directory",
        Interop.Libc.S_IFIFO => "a FIFO",
        Interop.Libc.S_IFSOCK => "a socket",
        Interop.Libc.S_IFCHR => "a character device",
        Interop.Libc.S_IFBLK => "a block device",
        _ => "a special file",
    };

    /// <summary>
    /// Publishes a key file holding <paramref name="keys"/> at <paramref name="path"/>, whole
    /// and at once: the text is written to a new file that has no name yet (<c>O_TMPFILE</c>) or a
    /// private temporary name (<c>O_CREAT|O_EXCL|O_NOFOLLOW</c>), mode 0600, which is then
    /// linked into place. <c>link</c> never replaces a file nor follows a symlink, so no reader
    /// ever sees a partly written key file, and the path is created exclusively. Returns false if
    /// the path exists.
    /// </summary>
    internal static unsafe bool TryCreate(string path, BusKeys keys)
    {
        (string directory, string name) = SplitPath(path);
        int dirFd = Interop.Libc.Open(directory, Interop.Libc.O_PATH | Interop.Libc.O_DIRECTORY | Interop.Libc.O_CLOEXEC);
        if (dirFd < 0)
            throw BusErrors.FromKeyFile(Interop.Errors.LastErrno, path, KeyFileAction.Create);
        try
        {
            byte[] text = Text(keys);
            int fd = Interop.Libc.OpenAt(dirFd, ".", Interop.Libc.O_TMPFILE | Interop.Libc.O_WRONLY | Interop.Libc.O_CLOEXEC, OwnerReadWrite);
            if (fd >= 0)
            {
                try
                {
                    WriteAll(path, fd, text);
                    // Linking an O_TMPFILE file by its /proc name needs no privilege (open(2)).
                    if (Interop.Libc.LinkAt(Interop.Libc.AT_FDCWD, $"/proc/self/fd/{fd}", dirFd, name, Interop.Libc.AT_SYMLINK_FOLLOW) == 0)
                        return true;
                    if (Interop.Errors.LastErrno == Interop.Errors.EEXIST)
                        return false;
                    // No /proc, or the like: fall back to a named temporary file.
                }
                finally
                {
                    Interop.Libc.Close(fd);
                }
            }
            else
            {
                int errno = Interop.Errors.LastErrno;
                // The file system or the kernel has no O_TMPFILE: fall back.
                if (errno is not (Interop.Errors.EOPNOTSUPP or Interop.Errors.EISDIR or Interop.Errors.EINVAL))
                    throw BusErrors.FromKeyFile(errno, path, KeyFileAction.Create);
            }
            return TryCreateThroughTemporaryName(path, dirFd, name, text);
        }
        finally
        {
            Interop.Libc.Close(dirFd);
        }
    }

    /// <summary>
    /// The text of a new key file: the two key lines (<see cref="BusKeys.ToString"/>), then the
    /// line <c>ipc:[INODE]</c> naming this process's IPC namespace (<see cref="IpcNamespace"/>),
    /// left out if /proc cannot tell it.
    /// </summary>
    internal static byte[] Text(BusKeys keys)
        => Encoding.ASCII.GetBytes(IpcNamespace.Current() is { } inode ? keys + IpcNamespace.Record(inode) + "\n" : keys.ToString());

    private static bool TryCreateThroughTemporaryName(string path, int dirFd, string name, byte[] text)
    {
        string temporary = WriteTemporary(path, dirFd, text);
        try
        {
            if (Interop.Libc.LinkAt(dirFd, temporary, dirFd, name, 0) == 0)
                return true;
            int errno = Interop.Errors.LastErrno;
            return errno == Interop.Errors.EEXIST ? false : throw BusErrors.FromKeyFile(errno, path, KeyFileAction.Create);
        }
        finally
        {
            Interop.Libc.UnlinkAt(dirFd, temporary, 0);
        }
    }

    /// <summary>
    /// Writes <paramref name="text"/> whole to a new file under a private temporary name in the
    /// directory <paramref name="dirFd"/> (<c>O_CREAT|O_EXCL|O_NOFOLLOW</c>, mode 0600) and returns
    /// that name; the caller links or renames it into place and unlinks the name.
    /// </summary>
    internal static string WriteTemporary(string path, int dirFd, byte[] text)
    {
        string temporary = WriteTemporary(path, dirFd, text, ".bus-create.", OwnerReadWrite, out int fd,
            errno => BusErrors.FromKeyFile(errno, path, KeyFileAction.Create),
            errno => BusErrors.FromCall(errno, path, "cannot write the key file"));
        Interop.Libc.Close(fd);
        return temporary;
    }

    /// <summary>
    /// As <see cref="WriteTemporary(string, int, byte[])"/>, for any small file: a name starting with
    /// <paramref name="prefix"/>, <paramref name="mode"/>, and the errors for a failed create and a
    /// failed write. The descriptor written stays open (<paramref name="fd"/>, the caller closes it):
    /// while it is open, the file's inode cannot be reused, so it tells this very file from any
    /// other whatever happens to the name.
    /// </summary>
    internal static string WriteTemporary(string path, int dirFd, byte[] text, string prefix, uint mode,
        out int fd, Func<int, Exception> createFailed, Func<int, Exception> writeFailed)
    {
        string temporary;
        do
        {
            temporary = prefix + KernelRandom.GetHexString(16);
            fd = Interop.Libc.OpenAt(dirFd, temporary,
                Interop.Libc.O_WRONLY | Interop.Libc.O_CREAT | Interop.Libc.O_EXCL | Interop.Libc.O_NOFOLLOW | Interop.Libc.O_CLOEXEC,
                mode);
        }
        while (fd < 0 && Interop.Errors.LastErrno == Interop.Errors.EEXIST);
        if (fd < 0)
            throw createFailed(Interop.Errors.LastErrno);
        int errno = WriteAll(fd, text);
        if (errno != 0)
        {
            Interop.Libc.Close(fd);
            Interop.Libc.UnlinkAt(dirFd, temporary, 0);
            throw writeFailed(errno);
        }
        return temporary;
    }

    private const uint OwnerReadWrite = 0x180; // 0600

    private static void WriteAll(string path, int fd, byte[] text)
    {
        int errno = WriteAll(fd, text);
        if (errno != 0) throw BusErrors.FromCall(errno, path, "cannot write the key file");
    }

    /// <summary>
    /// Writes all of <paramref name="text"/> to <paramref name="fd"/>; 0 or the errno. EINTR writes
    /// again, unless the C ABI's bus_create with BUS_INTR asked for it to fail the call
    /// (<see cref="CallerInterruption"/>) and the write is <paramref name="interruptible"/>: the
    /// key file's, the one write BUS_INTR governs in bus 3.1.x.
    /// </summary>
    internal static unsafe int WriteAll(int fd, byte[] text, bool interruptible = true)
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
                    if (errno == Interop.Errors.EINTR && !(interruptible && CallerInterruption.Fails)) continue;
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
    /// and unlinked (a window of one system call).
    /// </summary>
    internal static BusPartRemoval UnlinkIfSame(int dirFd, string name, in Interop.Libc.Statx status)
    {
        string temporary = ".bus-remove." + KernelRandom.GetHexString(16);
        if (Interop.Libc.RenameAt2(dirFd, name, dirFd, temporary, Interop.Libc.RENAME_NOREPLACE) != 0)
        {
            int errno = Interop.Errors.LastErrno;
            if (errno == Interop.Errors.ENOENT) return AlreadyGone;
            if (errno is Interop.Errors.EINVAL or Interop.Errors.ENOSYS)
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

    internal static unsafe bool IsSameFile(int dirFd, string name, in Interop.Libc.Statx status)
    {
        Interop.Libc.Statx now;
        return Interop.Libc.StatxCall(dirFd, name, Interop.Libc.AT_SYMLINK_NOFOLLOW, Interop.Libc.STATX_INO, &now) == 0
               && now.SameFile(status);
    }

    private static BusPartRemoval AlreadyGone => new(false, true, null);

    private static BusPartRemoval Failed(int errno) => new(false, false, Interop.Errors.Text(errno), errno);

    /// <summary>
    /// The directory part and the last component of <paramref name="path"/>; the last
    /// component must name a file (not empty, <c>.</c> or <c>..</c>).
    /// </summary>
    internal static (string Directory, string Name) SplitPath(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        int slash = path.LastIndexOf('/');
        string directory = slash < 0 ? "." : slash == 0 ? "/" : path[..slash];
        string name = path[(slash + 1)..];
        if (name.Length == 0 || name is "." or "..")
            throw new BusKeyFileCorruptException($"{path}: not a bus key file: a directory, not a regular file", path, Interop.Errors.EISDIR);
        return (directory, name);
    }

    /// <summary>
    /// Opens <paramref name="directory"/> (symlinks in it are followed: the caller named it) as an
    /// <c>O_PATH</c> descriptor, which needs only search permission, for the <c>*at</c> calls.
    /// </summary>
    internal static int OpenDirectory(string path, string directory)
    {
        int fd = Interop.Libc.Open(directory, Interop.Libc.O_PATH | Interop.Libc.O_DIRECTORY | Interop.Libc.O_CLOEXEC);
        return fd >= 0 ? fd : throw BusErrors.FromKeyFile(Interop.Errors.LastErrno, path, KeyFileAction.Open);
    }
}
