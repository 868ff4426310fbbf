using System.Runtime.InteropServices;

namespace LibBus;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int O_RDONLY = 0;
        internal const int O_WRONLY = 1;
        internal const int O_NOCTTY = 0x100;     // 0400
        internal const int O_NONBLOCK = 0x800;   // 04000
        internal const int O_CLOEXEC = 0x80000;  // 02000000

        /// <summary><c>open(path, flags)</c>, without O_CREAT (so without the variadic mode).</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        internal static partial int Open(string path, int flags);
    }
}
