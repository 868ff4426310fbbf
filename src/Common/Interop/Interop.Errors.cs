using System.Runtime.InteropServices;

namespace LibBus;

internal static partial class Interop
{
    /// <summary>errno values LibBus tells apart (Linux), and their text.</summary>
    internal static class Errors
    {
        internal const int EPERM = 1;
        internal const int ENOENT = 2;
        internal const int ESRCH = 3;
        internal const int EINTR = 4;
        internal const int EIO = 5;
        internal const int E2BIG = 7;
        internal const int EBADF = 9;
        internal const int ECHILD = 10;
        internal const int EAGAIN = 11;
        internal const int ENOMEM = 12;
        internal const int EACCES = 13;
        internal const int EBUSY = 16;
        internal const int EEXIST = 17;
        internal const int ENOTDIR = 20;
        internal const int EISDIR = 21;
        internal const int EINVAL = 22;
        internal const int ENFILE = 23;
        internal const int EMFILE = 24;
        internal const int ENOSPC = 28;
        internal const int EROFS = 30;
        internal const int EPIPE = 32;
        internal const int ERANGE = 34;
        internal const int EDEADLK = 35;
        internal const int ENAMETOOLONG = 36;
        internal const int ENOSYS = 38;
        internal const int ELOOP = 40;
        internal const int EIDRM = 43;
        internal const int EMSGSIZE = 90;
        internal const int EOPNOTSUPP = 95;

        /// <summary>The errno left by the last P/Invoke with <c>SetLastError = true</c>.</summary>
        internal static int LastErrno => Marshal.GetLastPInvokeError();

        /// <summary>
        /// errno as the last native call left it, for the calls declared without
        /// <c>SetLastError</c> (<c>semop</c>, <c>semtimedop</c>, <c>semctl SETVAL</c>): read it
        /// at once after such a call fails, before any other. The runtime keeps errno across its
        /// own return from a native call, a wait for its garbage collector included.
        /// </summary>
        internal static int SystemErrno => Marshal.GetLastSystemError();

        /// <summary>strerror text for <paramref name="errno"/>.</summary>
        internal static string Text(int errno) => Marshal.GetPInvokeErrorMessage(errno);
    }
}
