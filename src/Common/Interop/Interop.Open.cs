using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace LibBus;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // <fcntl.h>: the flags that are the same on x86-64 and arm64 (checked against the
        // headers of both by NativeLayoutTests).
        internal const int O_RDONLY = 0;
        internal const int O_WRONLY = 1;
        internal const int O_CREAT = 0x40;          // 0100
        internal const int O_EXCL = 0x80;           // 0200
        internal const int O_NOCTTY = 0x100;        // 0400
        internal const int O_APPEND = 0x400;        // 02000
        internal const int O_NONBLOCK = 0x800;      // 04000
        internal const int O_CLOEXEC = 0x80000;     // 02000000
        internal const int O_PATH = 0x200000;       // 010000000

        // The flags that differ, for the architecture this process runs on.
        internal static readonly int O_DIRECTORY = Interop.Architectures.Choose(X64.O_DIRECTORY, Arm64.O_DIRECTORY);
        internal static readonly int O_NOFOLLOW = Interop.Architectures.Choose(X64.O_NOFOLLOW, Arm64.O_NOFOLLOW);
        internal static readonly int O_TMPFILE = Interop.Architectures.Choose(X64.O_TMPFILE, Arm64.O_TMPFILE);

        /// <summary>&lt;fcntl.h&gt; of x86-64 (asm-generic/fcntl.h).</summary>
        internal static class X64
        {
            internal const int O_DIRECTORY = 0x10000;   // 0200000
            internal const int O_NOFOLLOW = 0x20000;    // 0400000
            internal const int O_TMPFILE = 0x410000;    // 020000000 | O_DIRECTORY
        }

        /// <summary>&lt;fcntl.h&gt; of arm64 (arch/arm64/include/uapi/asm/fcntl.h: O_DIRECTORY and O_NOFOLLOW swap places with O_DIRECT and O_LARGEFILE).</summary>
        internal static class Arm64
        {
            internal const int O_DIRECTORY = 0x4000;    // 040000
            internal const int O_NOFOLLOW = 0x8000;     // 0100000
            internal const int O_TMPFILE = 0x404000;    // 020000000 | O_DIRECTORY
        }

        /// <summary>
        /// <c>open(path, flags)</c>, without O_CREAT (so without the variadic mode). The descriptor is
        /// owned by the handle returned, which is invalid (and errno set) if the call failed.
        /// </summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "open", StringMarshalling = StringMarshalling.Custom, StringMarshallingCustomType = typeof(FileNameMarshaller), SetLastError = true)]
        internal static partial SafeFileHandle Open(string path, int flags);
    }
}
