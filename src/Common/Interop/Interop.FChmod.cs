using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace LibBus;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary><c>fchmod(fd, mode)</c>: changes the file the descriptor is open on, never a path.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "fchmod", SetLastError = true)]
        internal static partial int FChmod(SafeFileHandle fd, uint mode);
    }
}
