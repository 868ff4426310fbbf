using System.Runtime.InteropServices;

namespace LibBus;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // The signals LibBus's callers send with kill (the stop signals are in Interop.SigAction.cs).
        internal const int SIGKILL = 9;
        internal const int SIGCONT = 18;
        internal const int SIGSTOP = 19;
        internal const int SIGTSTP = 20;

        [LibraryImport(Libraries.Libc, EntryPoint = "kill", SetLastError = true)]
        internal static partial int Kill(int pid, int signal);
    }
}
