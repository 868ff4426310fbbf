using System.Runtime.InteropServices;

namespace LibBus;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>
        /// <c>struct sigaction</c> (152 bytes on glibc x86-64 and arm64), opaque: saved and restored
        /// whole. All zero is SIG_DFL with an empty mask and no flags.
        /// </summary>
        [StructLayout(LayoutKind.Sequential, Size = 152)]
        internal struct SigAction
        {
        }

        [LibraryImport(Libraries.Libc, EntryPoint = "sigaction", SetLastError = true)]
        internal static unsafe partial int SigActionSet(int signal, SigAction* action, SigAction* oldAction);
    }
}
