using System.Runtime.InteropServices;

namespace LibBus;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>
        /// <c>fchmodat(dirfd, path, mode, 0)</c>. LibBus calls it only on <c>/proc/self/fd/N</c> of an
        /// <c>O_PATH</c> descriptor, which names exactly the file that descriptor is open on
        /// (<c>fchmod</c> refuses an <c>O_PATH</c> descriptor).
        /// </summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "fchmodat", StringMarshalling = StringMarshalling.Custom, StringMarshallingCustomType = typeof(FileNameMarshaller), SetLastError = true)]
        internal static partial int FChmodAt(int dirfd, string path, uint mode, int flags);
    }
}
