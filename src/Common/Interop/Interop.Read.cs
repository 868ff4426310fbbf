using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace LibBus;

internal static partial class Interop
{
    internal static partial class Libc
    {
        [LibraryImport(Libraries.Libc, EntryPoint = "read", SetLastError = true)]
        internal static unsafe partial nint Read(SafeFileHandle fd, byte* buffer, nuint count);

        /// <summary><c>read</c> from a descriptor no handle owns (the command's standard input).</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "read", SetLastError = true)]
        internal static unsafe partial nint Read(int fd, byte* buffer, nuint count);
    }
}
