using System.Runtime.InteropServices;

namespace LibBus;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary><c>struct sembuf</c>: one operation of a <c>semop</c> call (6 bytes).</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct SemBuf
        {
            internal ushort SemNum;
            internal short SemOp;
            internal short SemFlg;

            internal SemBuf(ushort semNum, short semOp, short semFlg)
            {
                SemNum = semNum;
                SemOp = semOp;
                SemFlg = semFlg;
            }
        }

        /// <summary>
        /// <c>semop</c>. No <c>SetLastError</c>: every message takes its steps through this call,
        /// and that marshalling would clear errno before each and save it after each, a cost
        /// paid also when it succeeds. After a failure, read errno at once with
        /// <see cref="Errors.SystemErrno"/>, before any other call.
        /// </summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "semop")]
        internal static unsafe partial int SemOp(int semid, SemBuf* sops, nuint nsops);
    }
}
