using System.Runtime.CompilerServices;
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

        [LibraryImport(Libraries.Libc, EntryPoint = "semop", SetLastError = true)]
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static unsafe partial int SemOp(int semid, SemBuf* sops, nuint nsops);
    }
}
