using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace LibBus;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int AT_SYMLINK_FOLLOW = 0x400;

        /// <summary>
        /// <c>linkat(olddirfd, oldpath, newdirfd, newpath, flags)</c>: fails with EEXIST rather
        /// than replace <paramref name="newPath"/>, and never follows a symlink there.
        /// </summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "linkat", StringMarshalling = StringMarshalling.Custom, StringMarshallingCustomType = typeof(FileNameMarshaller), SetLastError = true)]
        internal static partial int LinkAt(SafeFileHandle oldDirFd, string oldPath, SafeFileHandle newDirFd, string newPath, int flags);

        /// <summary>As above, from a path (<paramref name="oldDirFd"/> is AT_FDCWD): a <c>/proc/self/fd/N</c> name.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "linkat", StringMarshalling = StringMarshalling.Custom, StringMarshallingCustomType = typeof(FileNameMarshaller), SetLastError = true)]
        internal static partial int LinkAt(int oldDirFd, string oldPath, SafeFileHandle newDirFd, string newPath, int flags);
    }
}
