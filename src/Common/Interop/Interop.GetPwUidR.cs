using System.Runtime.InteropServices;

namespace LibBus;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary><c>getpwuid_r(uid, pwd, buf, buflen, result)</c>, as <see cref="GetPwNamR"/>.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "getpwuid_r")]
        internal static unsafe partial int GetPwUidR(uint uid, Passwd* pwd, byte* buffer, nuint length, Passwd** result);
    }
}
