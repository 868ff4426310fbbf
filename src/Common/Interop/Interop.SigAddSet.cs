using System.Runtime.InteropServices;

namespace LibBus;

internal static partial class Interop
{
    internal static partial class Libc
    {
        [LibraryImport(Libraries.Libc, EntryPoint = "sigaddset", SetLastError = true)]
        internal static unsafe partial int SigAddSet(SigSet* set, int signal);
    }
}
