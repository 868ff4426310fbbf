using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace LibBus;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int AT_EMPTY_PATH = 0x1000;
        internal const int AT_SYMLINK_NOFOLLOW = 0x100;
        internal const uint STATX_TYPE = 0x1;
        internal const uint STATX_MODE = 0x2;
        internal const uint STATX_UID = 0x8;
        internal const uint STATX_GID = 0x10;
        internal const uint STATX_INO = 0x100;

        internal const int S_IFMT = 0xF000;
        internal const int S_IFSOCK = 0xC000;
        internal const int S_IFLNK = 0xA000;
        internal const int S_IFREG = 0x8000;
        internal const int S_IFBLK = 0x6000;
        internal const int S_IFDIR = 0x4000;
        internal const int S_IFCHR = 0x2000;
        internal const int S_IFIFO = 0x1000;

        /// <summary>
        /// <c>struct statx</c> (256 bytes), up to the fields LibBus reads. Unlike
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
            private ushort _spare0;
            internal ulong Ino;
            private ulong _size;
            private ulong _blocks;
            private ulong _attributesMask;
            private StatxTimestamp _atime;
            private StatxTimestamp _btime;
            private StatxTimestamp _ctime;
            private StatxTimestamp _mtime;
            private uint _rdevMajor;
            private uint _rdevMinor;
            internal uint DevMajor;
            internal uint DevMinor;

            /// <summary>True if both name the same file (device and inode).</summary>
            internal readonly bool SameFile(in Statx other)
                => Ino == other.Ino && DevMajor == other.DevMajor && DevMinor == other.DevMinor;
        }

        /// <summary><c>struct statx_timestamp</c> (16 bytes).</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct StatxTimestamp
        {
            internal long Sec;
            internal uint Nsec;
            private int _reserved;
        }

        /// <summary><c>statx(dirfd, path, flags, mask, buffer)</c>: of a name in a directory, or with AT_EMPTY_PATH and "", of the descriptor itself.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "statx", StringMarshalling = StringMarshalling.Custom, StringMarshallingCustomType = typeof(FileNameMarshaller), SetLastError = true)]
        internal static unsafe partial int StatxCall(SafeFileHandle dirfd, string path, int flags, uint mask, Statx* buffer);

        /// <summary><c>statx(AT_FDCWD, path, flags, mask, buffer)</c>: of a path (<paramref name="dirfd"/> is AT_FDCWD).</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "statx", StringMarshalling = StringMarshalling.Custom, StringMarshallingCustomType = typeof(FileNameMarshaller), SetLastError = true)]
        internal static unsafe partial int StatxCall(int dirfd, string path, int flags, uint mask, Statx* buffer);
    }
}
