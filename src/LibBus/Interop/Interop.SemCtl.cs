using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LibBus;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary><c>struct semid_ds</c> of x86-64 / arm64 glibc (104 bytes).</summary>
        [StructLayout(LayoutKind.Sequential, Size = 104)]
        internal struct SemidDs
        {
            internal IpcPerm Perm;
            internal long OTime;
            private ulong _otimeHigh;
            internal long CTime;
            private ulong _ctimeHigh;
            internal nuint NSems;
        }

        /// <summary><c>struct seminfo</c> (40 bytes), filled by <c>SEM_INFO</c>; LibBus uses only the call's result.</summary>
        [StructLayout(LayoutKind.Sequential, Size = 40)]
        internal struct SemInfo
        {
            private int _semmap;
        }

        // semctl is variadic in C; each command gets one exact overload for the
        // type of its fourth argument (union semun).

        /// <summary><c>semctl(semid, semnum, GETVAL / GETNCNT / GETZCNT)</c> and <c>semctl(semid, 0, IPC_RMID)</c>.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "semctl", SetLastError = true)]
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static partial int SemCtl(int semid, int semnum, int cmd);

        /// <summary><c>semctl(semid, semnum, SETVAL, int)</c>.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "semctl", SetLastError = true)]
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static partial int SemCtl(int semid, int semnum, int cmd, int val);

        /// <summary><c>semctl(semid, 0, GETALL / SETALL, unsigned short *)</c>.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "semctl", SetLastError = true)]
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static unsafe partial int SemCtl(int semid, int semnum, int cmd, ushort* array);

        /// <summary><c>semctl(semid, 0, IPC_STAT / IPC_SET, struct semid_ds *)</c>; <c>semctl(index, 0, SEM_STAT_ANY, struct semid_ds *)</c>.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "semctl", SetLastError = true)]
        internal static unsafe partial int SemCtl(int semid, int semnum, int cmd, SemidDs* buf);

        /// <summary><c>semctl(0, 0, SEM_INFO, struct seminfo *)</c>: the highest index in use in the kernel's table.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "semctl", SetLastError = true)]
        internal static unsafe partial int SemCtl(int semid, int semnum, int cmd, SemInfo* buf);
    }
}
