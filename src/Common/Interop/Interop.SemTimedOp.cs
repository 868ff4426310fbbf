using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LibBus;

internal static partial class Interop
{
    internal static partial class Libc
    {
        [LibraryImport(Libraries.Libc, EntryPoint = "semtimedop", SetLastError = true)]
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static unsafe partial int SemTimedOp(int semid, SemBuf* sops, nuint nsops, TimeSpec* timeout);
    }
}
