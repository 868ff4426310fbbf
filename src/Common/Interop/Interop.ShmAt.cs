using System.Runtime.InteropServices;

namespace LibBus;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>Attaches a segment; returns <c>(void *)-1</c> on failure.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "shmat", SetLastError = true)]
        internal static partial nint ShmAt(int shmid, nint shmaddr, int shmflg);
    }
}
