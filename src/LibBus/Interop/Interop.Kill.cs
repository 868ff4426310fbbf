using System.Runtime.InteropServices;

namespace LibBus;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>
        /// <c>kill(pid, sig)</c>; with <paramref name="sig"/> 0 only checks that the process
        /// exists (ESRCH if it does not, EPERM if it belongs to another user).
        /// </summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "kill", SetLastError = true)]
        internal static partial int Kill(int pid, int sig);
    }
}
