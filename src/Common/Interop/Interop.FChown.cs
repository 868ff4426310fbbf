using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace LibBus;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary><c>fchown(fd, uid, gid)</c>; <c>(uid_t)-1</c> or <c>(gid_t)-1</c> leaves that one as it is.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "fchown", SetLastError = true)]
        internal static partial int FChown(SafeFileHandle fd, uint uid, uint gid);
    }
}
