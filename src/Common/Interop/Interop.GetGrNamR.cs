using System.Runtime.InteropServices;

namespace LibBus;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary><c>struct group</c> of x86-64 / arm64 glibc (32 bytes).</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct Group
        {
            internal nint Name;
            internal nint Password;
            internal uint Gid;
            internal nint Members;
        }

        /// <summary><c>getgrnam_r(name, grp, buf, buflen, result)</c>, as <see cref="GetPwNamR"/>.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "getgrnam_r", StringMarshalling = StringMarshalling.Utf8)]
        internal static unsafe partial int GetGrNamR(string name, Group* grp, byte* buffer, nuint length, Group** result);
    }
}
