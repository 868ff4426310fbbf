using System.Runtime.InteropServices;

namespace LibBus;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // <fcntl.h>, x86-64 values (checked against the headers by NativeLayoutTests;
        // O_DIRECTORY, O_NOFOLLOW and O_TMPFILE differ on arm64).
        internal const int O_RDONLY = 0;
        internal const int O_WRONLY = 1;
        internal const int O_CREAT = 0x40;          // 0100
        internal const int O_EXCL = 0x80;           // 0200
        internal const int O_NOCTTY = 0x100;        // 0400
        internal const int O_APPEND = 0x400;        // 02000
        internal const int O_NONBLOCK = 0x800;      // 04000
        internal const int O_DIRECTORY = 0x10000;   // 0200000
        internal const int O_NOFOLLOW = 0x20000;    // 0400000
        internal const int O_CLOEXEC = 0x80000;     // 02000000
        internal const int O_PATH = 0x200000;       // 010000000
        internal const int O_TMPFILE = 0x410000;    // 020000000 | O_DIRECTORY

        /// <summary><c>open(path, flags)</c>, without O_CREAT (so without the variadic mode).</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "open", StringMarshalling = StringMarshalling.Custom, StringMarshallingCustomType = typeof(FileNameMarshaller), SetLastError = true)]
        internal static partial int Open(string path, int flags);
    }
}
