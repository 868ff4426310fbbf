using System.Runtime.InteropServices;

namespace LibBus;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>Urgent data on a socket; ignored by default. LibBus interrupts a blocked wait with it.</summary>
        internal const int SIGURG = 23;

        /// <summary><c>tgkill(tgid, tid, sig)</c>: sends <paramref name="sig"/> to one thread of a process (glibc 2.30+).</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "tgkill", SetLastError = true)]
        internal static partial int TgKill(int tgid, int tid, int sig);
    }
}
