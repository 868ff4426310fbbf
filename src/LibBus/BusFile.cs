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
    internal static BusKeys Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        int fd = Syscall.open(path, OpenFlags.O_RDONLY | OpenFlags.O_NONBLOCK | OpenFlags.O_CLOEXEC | OpenFlags.O_NOCTTY);
        if (fd < 0)
            throw OpenError(path, Stdlib.GetLastError());
        try
        {
            if (Syscall.fstat(fd, out Stat stat) != 0)
            {
                Errno errno = Stdlib.GetLastError();
                throw new BusException($"{path}: {Stdlib.strerror(errno)}", path, (int)errno);
            }
            if ((stat.st_mode & FilePermissions.S_IFMT) != FilePermissions.S_IFREG)
                throw new BusKeyFileCorruptException($"{path}: not a bus key file: {Describe(stat.st_mode)}, not a regular file", path);

            byte[] buffer = new byte[ReadLimit];
            int length = 0;
            while (length < buffer.Length)
            {
                long n;
                unsafe
                {
                    fixed (byte* p = &buffer[length])
                        n = Syscall.read(fd, p, (ulong)(buffer.Length - length));
                }
                if (n < 0)
                {
                    Errno errno = Stdlib.GetLastError();
                    if (errno == Errno.EINTR) continue;
                    throw new BusException($"{path}: cannot read: {Stdlib.strerror(errno)}", path, (int)errno);
                }
                if (n == 0) break;
                length += (int)n;
            }
            return Parse(path, buffer.AsSpan(0, length));
        }
        finally
        {
            Syscall.close(fd);
        }
    }

    /// <summary>Parses key file contents; <paramref name="path"/> is for messages only.</summary>
    internal static BusKeys Parse(string path, ReadOnlySpan<byte> text)
    {
        int semaphoreKey = ParseLine(path, ref text, "line 1 (semaphore key)");
        int segmentKey = ParseLine(path, ref text, "line 2 (shared memory key)");
        return new BusKeys(semaphoreKey, segmentKey);
    }

    private static int ParseLine(string path, ref ReadOnlySpan<byte> text, string what)
    {
        int end = text.IndexOf((byte)'\n');
        if (end < 0)
        {
            string found = text.IsEmpty ? "nothing" : $"'{Shorten(text)}' without a newline";
            throw new BusKeyFileCorruptException($"{path}: not a bus key file: {what} missing (found {found})", path);
        }
        ReadOnlySpan<byte> line = text[..end];
        text = text[(end + 1)..];
        long value = 0;
        bool valid = line.Length is > 0 and <= 10;
        foreach (byte b in line)
        {
            if (b is < (byte)'0' or > (byte)'9') { valid = false; break; }
            value = value * 10 + (b - '0');
        }
        if (!valid || value <= 0 || value > int.MaxValue)
        {
            throw new BusKeyFileCorruptException(
                $"{path}: not a bus key file: {what} is '{Shorten(line)}', not a decimal key from 1 to {int.MaxValue}", path);
        }
        return (int)value;
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

    private static string Describe(FilePermissions mode) => (mode & FilePermissions.S_IFMT) switch
    {
        FilePermissions.S_IFDIR => "a directory",
        FilePermissions.S_IFIFO => "a FIFO",
        FilePermissions.S_IFSOCK => "a socket",
        FilePermissions.S_IFCHR => "a character device",
        FilePermissions.S_IFBLK => "a block device",
        _ => "a special file",
    };

    private static BusException OpenError(string path, Errno errno) => errno switch
    {
        Errno.ENOENT => new BusNotFoundException($"{path}: no such bus (the key file does not exist)", path, (int)errno),
        Errno.ENOTDIR => new BusNotFoundException($"{path}: no such bus (a parent is not a directory)", path, (int)errno),
        Errno.EACCES or Errno.EPERM => new BusAccessDeniedException($"{path}: permission denied reading the key file", path, (int)errno),
        _ => new BusException($"{path}: cannot open the key file: {Stdlib.strerror(errno)}", path, (int)errno),
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
