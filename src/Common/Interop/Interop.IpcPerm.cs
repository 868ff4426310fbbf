using System.Runtime.InteropServices;

namespace LibBus;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary><c>struct ipc_perm</c> of x86-64 / arm64 glibc (48 bytes).</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct IpcPerm
        {
            internal int Key;
            internal uint Uid;
            internal uint Gid;
            internal uint Cuid;
            internal uint Cgid;
            internal ushort Mode;
            private ushort _pad1;
            private ushort _seq;
            private ushort _pad2;
            private ulong _reserved1;
            private ulong _reserved2;
        }
    }
}
