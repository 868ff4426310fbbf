using System.Runtime.InteropServices;

namespace LibBus;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary><c>waitpid</c>; the status is decoded by <see cref="ExitStatus"/>.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "waitpid", SetLastError = true)]
        internal static unsafe partial int WaitPid(int pid, int* status, int options);

        /// <summary>A shell's <c>$?</c> for a <c>waitpid</c> status: the exit status, or 128 + the signal that killed it.</summary>
        internal static int ExitStatus(int status)
            => (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f);
    }
}
