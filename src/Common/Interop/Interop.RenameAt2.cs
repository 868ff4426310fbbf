using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace LibBus;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const uint RENAME_NOREPLACE = 1;
        internal const uint RENAME_EXCHANGE = 2;

        /// <summary>
        /// <c>renameat2(olddirfd, oldpath, newdirfd, newpath, flags)</c> (glibc 2.28+). Renames the
        /// name itself (a symlink is moved, never followed); with RENAME_NOREPLACE fails with EEXIST
        /// rather than replace <paramref name="newPath"/>; with RENAME_EXCHANGE swaps the two names
        /// atomically (both must exist).
        /// </summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "renameat2", StringMarshalling = StringMarshalling.Custom, StringMarshallingCustomType = typeof(FileNameMarshaller), SetLastError = true)]
        internal static partial int RenameAt2(SafeFileHandle oldDirFd, string oldPath, SafeFileHandle newDirFd, string newPath, uint flags);
    }
}
