using System.Runtime.InteropServices;

namespace LibBus;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary><c>sigset_t</c> (128 bytes on glibc), opaque: filled by sigemptyset and sigaddset.</summary>
        [StructLayout(LayoutKind.Sequential, Size = 128)]
        internal struct SigSet
        {
        }

        [LibraryImport(Libraries.Libc, EntryPoint = "sigemptyset", SetLastError = true)]
        internal static unsafe partial int SigEmptySet(SigSet* set);
    }
}
