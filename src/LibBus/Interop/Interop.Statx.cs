using System.Runtime.InteropServices;

namespace LibBus;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int AT_EMPTY_PATH = 0x1000;
        internal const uint STATX_TYPE = 0x1;

        internal const int S_IFMT = 0xF000;
        internal const int S_IFSOCK = 0xC000;
        internal const int S_IFREG = 0x8000;
        internal const int S_IFBLK = 0x6000;
        internal const int S_IFDIR = 0x4000;
        internal const int S_IFCHR = 0x2000;
        internal const int S_IFIFO = 0x1000;

        /// <summary>
        /// <c>struct statx</c> (256 bytes), up to the field LibBus reads. Unlike
        /// <c>struct stat</c>, its layout is the same on every architecture.
        /// </summary>
        [StructLayout(LayoutKind.Sequential, Size = 256)]
        internal struct Statx
        {
            internal uint Mask;
            internal uint Blksize;
            internal ulong Attributes;
            internal uint Nlink;
            internal uint Uid;
            internal uint Gid;
            internal ushort Mode;
        }

        [LibraryImport(Libraries.Libc, EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        internal static unsafe partial int StatxCall(int dirfd, string path, int flags, uint mask, Statx* buffer);
    }
}
