using System.Runtime.InteropServices;

namespace LibBus;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int POSIX_SPAWN_SETSIGDEF = 0x04;
        internal const int POSIX_SPAWN_SETSIGMASK = 0x08;

        /// <summary><c>posix_spawnattr_t</c> (336 bytes on glibc x86-64 and arm64), opaque.</summary>
        [StructLayout(LayoutKind.Sequential, Size = 336)]
        internal struct PosixSpawnAttr
        {
        }

        /// <summary><c>posix_spawnattr_init</c>: returns 0 or an errno.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "posix_spawnattr_init")]
        internal static unsafe partial int PosixSpawnAttrInit(PosixSpawnAttr* attributes);
    }
}
