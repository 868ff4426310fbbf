using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace LibBus;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary><c>unlinkat(dirfd, path, 0)</c>: removes the name (a symlink itself, never its target).</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "unlinkat", StringMarshalling = StringMarshalling.Custom, StringMarshallingCustomType = typeof(FileNameMarshaller), SetLastError = true)]
        internal static partial int UnlinkAt(SafeFileHandle dirfd, string path, int flags);
    }
}
