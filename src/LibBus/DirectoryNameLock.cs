using System.Diagnostics;
using Microsoft.Win32.SafeHandles;

namespace LibBus;

/// <summary>
/// Keeps a name in a directory from changing hands under <see cref="SafeFile.UnlinkIfSame"/>:
/// that check moves the name away for a moment, and a create in that moment would find the name
/// free, put a new file there, and leave the one moved away with no name to go back to (a live
/// bus under <c>.bus-remove.*</c>, its objects orphaned). So, among LibBus processes, whatever
/// puts a file at a name (a new key file, a replaced stale one, a readiness file) holds this lock
/// shared, and unlink-if-same holds it exclusively, for those few system calls.
/// <para>
/// It is an <c>flock</c> on the directory itself, opened for reading. It protects nothing from
/// processes that do not take it (the C library never does), and no user can use it to stop
/// another: a lock held longer than <see cref="MaxWait"/> (by any user who can read the
/// directory, such as <c>/tmp</c>) is waited for no longer, and the step goes on unlocked, as it
/// did before this lock. A directory this process cannot read is not locked either.
/// </para>
/// <para>
/// A struct, so that taking the lock costs only the descriptor's handle; a copy disposed as well
/// as the original only disposes the one handle twice, which is harmless.
/// </para>
/// </summary>
internal readonly struct DirectoryNameLock : IDisposable
{
    /// <summary>The longest wait for another process's hold; legitimate holds last a few system calls.</summary>
    internal static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(1);

    /// <summary>The locked directory, opened for reading (null: not locked, so that default is harmless).</summary>
    private readonly SafeFileHandle? _directory;

    private DirectoryNameLock(SafeFileHandle directory) => _directory = directory;

    /// <summary>For putting a file at a name in the directory <paramref name="dirFd"/> (an <c>O_PATH</c> descriptor will do).</summary>
    internal static DirectoryNameLock Shared(SafeFileHandle dirFd) => Take(dirFd, Interop.Libc.LOCK_SH);

    /// <summary>For <see cref="SafeFile.UnlinkIfSame"/> in the directory <paramref name="dirFd"/>.</summary>
    internal static DirectoryNameLock Exclusive(SafeFileHandle dirFd) => Take(dirFd, Interop.Libc.LOCK_EX);

    private static DirectoryNameLock Take(SafeFileHandle dirFd, int operation)
    {
        SafeFileHandle fd = Interop.Libc.OpenAt(dirFd, ".", Interop.Libc.O_RDONLY | Interop.Libc.O_DIRECTORY | Interop.Libc.O_CLOEXEC, 0);
        if (fd.IsInvalid)
        {
            fd.Dispose();
            return default;
        }
        long start = Stopwatch.GetTimestamp();
        for (int attempt = 0; ; attempt++)
        {
            if (Interop.Libc.Flock(fd, operation | Interop.Libc.LOCK_NB) == 0)
                return new DirectoryNameLock(fd);
            int errno = Interop.Errors.LastErrno;
            if (!(BusErrors.IsWouldBlock(errno) || BusErrors.IsInterrupted(errno))
                || Stopwatch.GetElapsedTime(start) >= MaxWait)
            {
                fd.Dispose();
                return default;
            }
            // A legitimate hold lasts microseconds: yield first, then sleep a millisecond at a time.
            if (attempt < 20) Thread.Yield();
            else Thread.Sleep(1);
        }
    }

    /// <summary>Releases the lock (closing the descriptor does).</summary>
    public void Dispose() => _directory?.Dispose();
}
