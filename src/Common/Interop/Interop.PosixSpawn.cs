using System.Runtime.InteropServices;

namespace LibBus;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary><c>posix_spawn</c>: returns 0 or an errno (it does not set errno).</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "posix_spawn")]
        internal static unsafe partial int PosixSpawn(int* pid, byte* path, void* fileActions, PosixSpawnAttr* attributes, byte** argv, byte** envp);
    }
}
