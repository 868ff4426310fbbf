using System.Runtime.InteropServices;

namespace LibBus;

internal static partial class Interop
{
    internal static partial class Libc
    {
        [LibraryImport(Libraries.Libc, EntryPoint = "semget", SetLastError = true)]
        internal static partial int SemGet(int key, int nsems, int semflg);
    }
}
