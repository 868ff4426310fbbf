using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace LibBus;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // <sys/file.h>
        internal const int LOCK_SH = 1;
        internal const int LOCK_EX = 2;
        internal const int LOCK_NB = 4;
        internal const int LOCK_UN = 8;

        [LibraryImport(Libraries.Libc, EntryPoint = "flock", SetLastError = true)]
        internal static partial int Flock(SafeFileHandle fd, int operation);
    }
}
