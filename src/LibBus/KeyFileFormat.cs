using System.Text;
using Microsoft.Win32.SafeHandles;

namespace LibBus;

/// <summary>
/// The key file format (PROTOCOL.md, "Objects", item 1): reading and parsing the two keys (and
/// the IPC namespace line LibBus adds), and publishing a new key file whole and exclusively.
/// The file handling underneath is <see cref="SafeFile"/>'s.
/// </summary>
internal static class KeyFileFormat
{
    // Enough for two keys and anything a reader must tolerate after them.
    private const int ReadLimit = 4096;

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
        using SafeFileHandle fd = Interop.Libc.Open(path, Interop.Libc.O_RDONLY | Interop.Libc.O_NONBLOCK | Interop.Libc.O_CLOEXEC | Interop.Libc.O_NOCTTY);
        if (fd.IsInvalid)
            throw BusErrors.FromKeyFile(Interop.Errors.LastErrno, path, KeyFileAction.Open);
        try
        {
            return ReadFrom(path, fd, out status, out ipcNamespace);
        }
        catch (BusKeyFileCorruptException e) when (e.Errno == 0 && SafeFile.TypeOf(path) == Interop.Libc.S_IFLNK)
        {
            // Reached through a link someone else may have planted (to /etc/shadow, say): say
            // what is wrong without quoting a byte of the file it points to, and what it points to
            // if that is no regular file at all (a directory, say).
            int target = SafeFile.TypeOfDescriptor(fd);
            throw new BusKeyFileCorruptException(target == Interop.Libc.S_IFREG || target < 0
                ? $"{path}: not a bus key file: a symbolic link to a file that is not one (its contents are not shown)"
                : $"{path}: not a bus key file: a symbolic link to {Describe(target)}, not to a regular file", path);
        }
    }

    /// <summary>
    /// Reads the keys from the open descriptor <paramref name="fd"/> of the key file
    /// <paramref name="path"/> (for messages), which must be a regular file, and the IPC namespace
    /// it records, or null.
    /// </summary>
    internal static unsafe BusKeys ReadFrom(string path, SafeFileHandle fd, out Interop.Libc.Statx status, out ulong? ipcNamespace)
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
        int errno = SafeFile.ReadAll(fd, buffer, ReadLimit, out int length);
        if (errno != 0) throw BusErrors.FromKeyFile(errno, path, KeyFileAction.Read);
        return Parse(path, new ReadOnlySpan<byte>(buffer, length), out ipcNamespace);
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
    /// ever sees a partly written key file, and the path is created exclusively (under the
    /// directory's shared <see cref="DirectoryNameLock"/>). Returns false if the path exists.
    /// </summary>
    internal static unsafe bool TryCreate(string path, BusKeys keys)
    {
        (string directory, string name) = SplitPath(path);
        using SafeFileHandle dirFd = SafeFile.OpenDirectory(directory);
        if (dirFd.IsInvalid)
            throw BusErrors.FromKeyFile(Interop.Errors.LastErrno, path, KeyFileAction.Create);
        byte[] text = Text(keys);
        using DirectoryNameLock nameLock = DirectoryNameLock.Shared(dirFd);
        using (SafeFileHandle fd = Interop.Libc.OpenAt(dirFd, ".", Interop.Libc.O_TMPFILE | Interop.Libc.O_WRONLY | Interop.Libc.O_CLOEXEC, OwnerReadWrite))
        {
            if (!fd.IsInvalid)
            {
                WriteAll(path, fd, text);
                // Linking an O_TMPFILE file by its /proc name needs no privilege (open(2)).
                if (Interop.Libc.LinkAt(Interop.Libc.AT_FDCWD, SafeFile.ProcSelfFd(fd), dirFd, name, Interop.Libc.AT_SYMLINK_FOLLOW) == 0)
                    return true;
                if (BusErrors.IsTaken(Interop.Errors.LastErrno))
                    return false;
                // No /proc, or the like: fall back to a named temporary file.
            }
            else
            {
                int errno = Interop.Errors.LastErrno;
                // The file system or the kernel has no O_TMPFILE: fall back.
                if (!BusErrors.IsTmpFileUnsupported(errno))
                    throw BusErrors.FromKeyFile(errno, path, KeyFileAction.Create);
            }
        }
        return TryCreateThroughTemporaryName(path, dirFd, name, text);
    }

    /// <summary>
    /// The text of a new key file: the two key lines (<see cref="BusKeys.ToString"/>), then the
    /// line <c>ipc:[INODE]</c> naming this process's IPC namespace (<see cref="IpcNamespace"/>),
    /// left out if /proc cannot tell it.
    /// </summary>
    internal static byte[] Text(BusKeys keys)
        => Encoding.ASCII.GetBytes(IpcNamespace.Current() is { } inode ? keys + IpcNamespace.Record(inode) + "\n" : keys.ToString());

    private static bool TryCreateThroughTemporaryName(string path, SafeFileHandle dirFd, string name, byte[] text)
    {
        string temporary = WriteTemporary(path, dirFd, text);
        try
        {
            if (Interop.Libc.LinkAt(dirFd, temporary, dirFd, name, 0) == 0)
                return true;
            int errno = Interop.Errors.LastErrno;
            return BusErrors.IsTaken(errno) ? false : throw BusErrors.FromKeyFile(errno, path, KeyFileAction.Create);
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
    internal static string WriteTemporary(string path, SafeFileHandle dirFd, byte[] text)
    {
        string temporary = SafeFile.WriteTemporary(path, dirFd, text, ".bus-create.", OwnerReadWrite, out SafeFileHandle fd,
            errno => BusErrors.FromKeyFile(errno, path, KeyFileAction.Create),
            errno => BusErrors.FromCall(errno, path, "cannot write the key file"));
        fd.Dispose();
        return temporary;
    }

    private const uint OwnerReadWrite = 0x180; // 0600

    private static void WriteAll(string path, SafeFileHandle fd, byte[] text)
    {
        int errno = SafeFile.WriteAll(fd, text);
        if (errno != 0) throw BusErrors.FromCall(errno, path, "cannot write the key file");
    }

    /// <summary>
    /// The directory part and the last component of <paramref name="path"/>
    /// (<see cref="SafeFile.TrySplitPath"/>); a last component that names no file is not a key file.
    /// </summary>
    internal static (string Directory, string Name) SplitPath(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return SafeFile.TrySplitPath(path, out string directory, out string name)
            ? (directory, name)
            : throw new BusKeyFileCorruptException($"{path}: not a bus key file: a directory, not a regular file", path, Interop.Errors.EISDIR);
    }

    /// <summary>The directory of the key file <paramref name="path"/>, open for the <c>*at</c> calls (<see cref="SafeFile.OpenDirectory"/>).</summary>
    internal static SafeFileHandle OpenDirectory(string path, string directory)
    {
        SafeFileHandle fd = SafeFile.OpenDirectory(directory);
        if (!fd.IsInvalid) return fd;
        int errno = Interop.Errors.LastErrno;
        fd.Dispose();
        throw BusErrors.FromKeyFile(errno, path, KeyFileAction.Open);
    }
}
