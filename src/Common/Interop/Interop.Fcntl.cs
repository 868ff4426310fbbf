using System.Runtime.InteropServices;

namespace LibBus;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int F_GETFD = 1;
        internal const int FD_CLOEXEC = 1;

        /// <summary><c>fcntl(fd, cmd)</c> for the commands without an argument (F_GETFD).</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "fcntl", SetLastError = true)]
        internal static partial int Fcntl(int fd, int cmd);
    }
}
