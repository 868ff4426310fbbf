using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace LibBus;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // <dirent.h>: d_type values.
        internal const byte DT_UNKNOWN = 0;
        internal const byte DT_REG = 8;

        /// <summary>
        /// The fixed part of <c>struct dirent64</c> (<c>struct linux_dirent64</c> of the system
        /// call); the name, NUL-terminated, follows <see cref="Type"/> and the record is
        /// <see cref="RecLen"/> bytes long.
        /// </summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct Dirent64
        {
            internal ulong Ino;
            internal long Off;
            internal ushort RecLen;
            internal byte Type;
        }

        /// <summary><c>getdents64(fd, buffer, count)</c> (glibc 2.30): the directory's entries as the kernel has them, names as bytes.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "getdents64", SetLastError = true)]
        internal static unsafe partial nint GetDents64(SafeFileHandle fd, byte* buffer, nuint count);
    }
}
