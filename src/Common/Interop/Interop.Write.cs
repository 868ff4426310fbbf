using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace LibBus;

internal static partial class Interop
{
    internal static partial class Libc
    {
        [LibraryImport(Libraries.Libc, EntryPoint = "write", SetLastError = true)]
        internal static unsafe partial nint Write(SafeFileHandle fd, byte* buffer, nuint count);

        /// <summary><c>write</c> to a descriptor no handle owns (the command's standard output and error).</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "write", SetLastError = true)]
        internal static unsafe partial nint Write(int fd, byte* buffer, nuint count);
    }
}
