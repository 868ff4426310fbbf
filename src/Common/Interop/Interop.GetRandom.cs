using System.Runtime.InteropServices;

namespace LibBus;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // getrandom(2): the kernel's random bytes, without OpenSSL (which .NET's
        // RandomNumberGenerator loads on Linux, and aborts the process when it is missing).
        [LibraryImport(Libraries.Libc, EntryPoint = "getrandom", SetLastError = true)]
        internal static unsafe partial nint GetRandom(byte* buffer, nuint length, uint flags);
    }
}
