using System.Runtime.InteropServices;

namespace LibBus;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary><c>struct passwd</c> of x86-64 / arm64 glibc (48 bytes).</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct Passwd
        {
            internal nint Name;
            internal nint Password;
            internal uint Uid;
            internal uint Gid;
            internal nint Gecos;
            internal nint Dir;
            internal nint Shell;
        }

        /// <summary>
        /// <c>getpwnam_r(name, pwd, buf, buflen, result)</c>: 0 with <paramref name="result"/> null if
        /// there is no such user, ERANGE if <paramref name="buffer"/> is too small, else an errno.
        /// </summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "getpwnam_r", StringMarshalling = StringMarshalling.Utf8)]
        internal static unsafe partial int GetPwNamR(string name, Passwd* pwd, byte* buffer, nuint length, Passwd** result);
    }
}
