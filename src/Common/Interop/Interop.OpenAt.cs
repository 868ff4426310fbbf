using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace LibBus;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int AT_FDCWD = -100;

        /// <summary>
        /// <c>openat(dirfd, path, flags, mode)</c>: the variadic mode is always passed (it is
        /// read only with O_CREAT or O_TMPFILE). The descriptor is owned by the handle returned,
        /// which is invalid (and errno set) if the call failed.
        /// </summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "openat", StringMarshalling = StringMarshalling.Custom, StringMarshallingCustomType = typeof(FileNameMarshaller), SetLastError = true)]
        internal static partial SafeFileHandle OpenAt(SafeFileHandle dirfd, string path, int flags, uint mode);
    }
}
