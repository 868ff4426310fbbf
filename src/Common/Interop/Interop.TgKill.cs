using System.Runtime.InteropServices;

namespace LibBus;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary><c>tgkill(tgid, tid, sig)</c>: sends <paramref name="sig"/> to one thread of a process (glibc 2.30+).</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "tgkill", SetLastError = true)]
        internal static partial int TgKill(int tgid, int tid, int sig);
    }
}
