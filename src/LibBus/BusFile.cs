using System.Text;
using Mono.Unix.Native;

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

    /// <summary>
    /// Reads the keys from <paramref name="path"/>. Refuses anything that does not
    /// start with two lines of positive decimal, and never blocks on a FIFO.
    /// </summary>
    /// <remarks>Plain libc calls: this is on the path of every <c>bus broadcast</c>.</remarks>
    internal static unsafe BusKeys Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        int fd = Interop.Libc.Open(path, Interop.Libc.O_RDONLY | Interop.Libc.O_NONBLOCK | Interop.Libc.O_CLOEXEC | Interop.Libc.O_NOCTTY);
        if (fd < 0)
            throw OpenError(path, Interop.Errors.LastErrno);
        try
        {
            Interop.Libc.Statx status;
            if (Interop.Libc.StatxCall(fd, "", Interop.Libc.AT_EMPTY_PATH, Interop.Libc.STATX_TYPE, &status) != 0)
            {
                int errno = Interop.Errors.LastErrno;
                throw new BusException($"{path}: {Interop.Errors.Text(errno)}", path, errno);
            }
            int type = status.Mode & Interop.Libc.S_IFMT;
            if (type != Interop.Libc.S_IFREG)
                throw new BusKeyFileCorruptException($"{path}: not a bus key file: {Describe(type)}, not a regular file", path);

            byte* buffer = stackalloc byte[ReadLimit];
            int length = 0;
            while (length < ReadLimit)
            {
                nint n = Interop.Libc.Read(fd, buffer + length, (nuint)(ReadLimit - length));
                if (n < 0)
                {
                    int errno = Interop.Errors.LastErrno;
                    if (errno == Interop.Errors.EINTR) continue;
                    throw new BusException($"{path}: cannot read: {Interop.Errors.Text(errno)}", path, errno);
                }
                if (n == 0) break;
                length += (int)n;
            }
            return Parse(path, new ReadOnlySpan<byte>(buffer, length));
        }
        finally
        {
            Interop.Libc.Close(fd);
        }
    }

    /// <summary>
    /// Parses key file contents as PROTOCOL.md ("Objects", item 1) says: what the C
    /// reader (<c>getline</c> + <c>atoll</c>) reads the same way, wherever that is
    /// unambiguous. <paramref name="path"/> is for messages only.
    /// </summary>
    internal static BusKeys Parse(string path, ReadOnlySpan<byte> text)
    {
        if (text.IsEmpty)
            throw new BusKeyFileCorruptException($"{path}: not a bus key file: line 1 (semaphore key) missing (found nothing)", path);
        int semaphoreKey = ParseLine(path, ref text, "line 1 (semaphore key)", out bool ended);
        if (!ended)
            throw new BusKeyFileCorruptException($"{path}: not a bus key file: line 2 (shared memory key) missing (found only one line)", path);
        if (text.IsEmpty)
            throw new BusKeyFileCorruptException($"{path}: not a bus key file: line 2 (shared memory key) missing (found nothing)", path);
        int segmentKey = ParseLine(path, ref text, "line 2 (shared memory key)", out _);
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

    private static BusException OpenError(string path, int errno) => errno switch
    {
        Interop.Errors.ENOENT => new BusNotFoundException($"{path}: no such bus (the key file does not exist)", path, errno),
        Interop.Errors.ENOTDIR => new BusNotFoundException($"{path}: no such bus (a parent is not a directory)", path, errno),
        Interop.Errors.EACCES or Interop.Errors.EPERM => new BusAccessDeniedException($"{path}: permission denied reading the key file", path, errno),
        _ => new BusException($"{path}: cannot open the key file: {Interop.Errors.Text(errno)}", path, errno),
    };

    /// <summary>
    /// Creates the key file with <c>O_EXCL</c> (never following a symlink) and mode
    /// 0600, and writes <paramref name="keys"/>. Returns false if the path exists.
    /// </summary>
    internal static bool TryCreate(string path, BusKeys keys)
    {
        int fd = Syscall.open(path, OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_EXCL | OpenFlags.O_NOFOLLOW | OpenFlags.O_CLOEXEC,
            FilePermissions.S_IRUSR | FilePermissions.S_IWUSR);
        if (fd < 0)
        {
            Errno errno = Stdlib.GetLastError();
            if (errno == Errno.EEXIST) return false;
            throw errno switch
            {
                Errno.ENOENT or Errno.ENOTDIR => new BusNotFoundException($"{path}: cannot create the key file: the directory does not exist", path, (int)errno),
                Errno.EACCES or Errno.EPERM => new BusAccessDeniedException($"{path}: permission denied creating the key file", path, (int)errno),
                _ => new BusException($"{path}: cannot create the key file: {Stdlib.strerror(errno)}", path, (int)errno),
            };
        }
        bool written = false;
        try
        {
            byte[] text = Encoding.ASCII.GetBytes(keys.ToString());
            long n;
            unsafe
            {
                fixed (byte* p = text)
                    n = Syscall.write(fd, p, (ulong)text.Length);
            }
            string? writeError = n == text.Length ? null : n < 0 ? Stdlib.strerror(Stdlib.GetLastError()) : "short write";
            int closed = Syscall.close(fd);
            fd = -1;
            string? error = writeError ?? (closed != 0 ? Stdlib.strerror(Stdlib.GetLastError()) : null);
            if (error is not null)
                throw new BusException($"{path}: cannot write the key file: {error}", path);
            written = true;
            return true;
        }
        finally
        {
            if (fd >= 0) Syscall.close(fd);
            if (!written) Syscall.unlink(path);
        }
    }
}
