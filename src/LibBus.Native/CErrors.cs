using System.Runtime.InteropServices;
using static LibBus.Interop.Errors;

namespace LibBus.Native;

/// <summary>
/// The one place where a failure becomes what a C caller sees: -1 (or NULL) and <c>errno</c>.
/// No exception ever crosses the ABI, and nothing is printed.
/// </summary>
internal static class CErrors
{
    /// <summary>The errno for <paramref name="e"/>: the system's own where there was one.</summary>
    internal static int Of(Exception e) => e switch
    {
        BusTimeoutException => EAGAIN,
        BusException { Errno: > 0 } b => b.Errno,
        BusAlreadyExistsException => EEXIST,
        BusNotFoundException => ENOENT,
        BusRemovedException => EIDRM,
        BusAccessDeniedException => EACCES,
        BusKeyFileCorruptException => EINVAL,
        BusObjectMismatchException => EINVAL,
        BusMessageInvalidException => EMSGSIZE, // the only invalid message strlen lets through: too long
        BusDeadlockException => EDEADLK,
        OutOfMemoryException => ENOMEM,
        ObjectDisposedException => EBADF,
        ArgumentException or InvalidOperationException or FormatException => EINVAL,
        _ => EIO,
    };

    /// <summary>
    /// Sets errno to <paramref name="errno"/>; returns -1. Call it last: every P/Invoke after it
    /// (even one that succeeds) may clear errno.
    /// </summary>
    internal static int Fail(int errno)
    {
        Marshal.SetLastSystemError(errno);
        return -1;
    }

    /// <summary>Sets errno for <paramref name="e"/>; returns -1.</summary>
    internal static int Fail(Exception e) => Fail(Of(e));
}
