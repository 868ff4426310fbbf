using System.Runtime.InteropServices;

namespace LibBus;

internal static partial class Interop
{
    internal static partial class Libc
    {
        [LibraryImport(Libraries.Libc, EntryPoint = "shmdt", SetLastError = true)]
        internal static partial int ShmDt(nint shmaddr);
    }
}
