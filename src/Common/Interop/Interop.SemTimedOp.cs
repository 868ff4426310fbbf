using System.Runtime.InteropServices;

namespace LibBus;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>
        /// <c>semtimedop</c>. No <c>SetLastError</c>, as <see cref="SemOp"/>: after a failure,
        /// read errno at once with <see cref="Errors.SystemErrno"/>.
        /// </summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "semtimedop")]
        internal static unsafe partial int SemTimedOp(int semid, SemBuf* sops, nuint nsops, TimeSpec* timeout);
    }
}
