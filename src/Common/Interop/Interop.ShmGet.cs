using System.Runtime.InteropServices;

namespace LibBus;

internal static partial class Interop
{
    internal static partial class Libc
    {
        [LibraryImport(Libraries.Libc, EntryPoint = "shmget", SetLastError = true)]
        internal static partial int ShmGet(int key, nuint size, int shmflg);
    }
}
