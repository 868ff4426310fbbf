using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LibBus;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>
        /// <c>struct semid_ds</c> of glibc, which differs by architecture after <c>sem_otime</c>:
        /// x86-64 (104 bytes) keeps a reserved word after each time (<c>sem_ctime</c> at 64,
        /// <c>sem_nsems</c> at 80); arm64 (88 bytes, the generic layout) has none (<c>sem_ctime</c>
        /// at 56, <c>sem_nsems</c> at 64). This is large enough for either and reads each field
        /// where this process's architecture has it (<see cref="Interop.Architectures"/>); an
        /// IPC_SET writes back what IPC_STAT filled, with only <see cref="Perm"/> changed.
        /// </summary>
        [StructLayout(LayoutKind.Sequential, Size = 104)]
        internal struct SemidDs
        {
            internal IpcPerm Perm;
            private long _word48; // sem_otime (both)
            private long _word56; // arm64: sem_ctime; x86-64: reserved
            private long _word64; // arm64: sem_nsems; x86-64: sem_ctime
            private long _word72;
            private long _word80; // x86-64: sem_nsems

            /// <summary><c>sem_otime</c>: the last semop.</summary>
            internal readonly long OTime => _word48;

            /// <summary><c>sem_ctime</c>: creation or the last change.</summary>
            internal readonly long CTime => CTimeOn(Interop.Architectures.IsArm64);

            /// <summary><c>sem_nsems</c>: the number of semaphores.</summary>
            internal readonly nuint NSems => NSemsOn(Interop.Architectures.IsArm64);

            /// <summary><c>sem_ctime</c> as the layout of arm64 (true) or x86-64 (false) places it.</summary>
            internal readonly long CTimeOn(bool arm64) => arm64 ? _word56 : _word64;

            /// <summary><c>sem_nsems</c> as the layout of arm64 (true) or x86-64 (false) places it.</summary>
            internal readonly nuint NSemsOn(bool arm64) => (nuint)(arm64 ? _word64 : _word80);
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

        /// <summary>
        /// <c>semctl(semid, semnum, SETVAL, int)</c>: a broadcast's publish (<c>Q := 0</c>) at every
        /// message. No <c>SetLastError</c>, as <see cref="SemOp"/>: after a failure, read errno at
        /// once with <see cref="Errors.SystemErrno"/>.
        /// </summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "semctl")]
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
