using System.Runtime.InteropServices;

namespace LibBus;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary><c>struct shmid_ds</c> of x86-64 / arm64 glibc (112 bytes).</summary>
        [StructLayout(LayoutKind.Sequential, Size = 112)]
        internal struct ShmidDs
        {
            internal IpcPerm Perm;
            internal nuint SegSz;
            internal long ATime;
            internal long DTime;
            internal long CTime;
            internal int CPid;
            internal int LPid;
            internal nuint NAttch;
        }

        /// <summary><c>struct shm_info</c> (48 bytes), filled by <c>SHM_INFO</c>; LibBus uses only the call's result.</summary>
        [StructLayout(LayoutKind.Sequential, Size = 48)]
        internal struct ShmInfo
        {
            private int _usedIds;
        }

        /// <summary><c>shmctl(0, SHM_INFO, struct shm_info *)</c>: the highest index in use in the kernel's table (its own name: <c>ShmCtl(id, IPC_RMID, null)</c> must stay unambiguous).</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "shmctl", SetLastError = true)]
        internal static unsafe partial int ShmCtlInfo(int shmid, int cmd, ShmInfo* buf);

        /// <summary><c>shmctl(shmid, IPC_STAT / IPC_SET / IPC_RMID, struct shmid_ds *)</c>; <c>shmctl(index, SHM_STAT_ANY, struct shmid_ds *)</c>.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "shmctl", SetLastError = true)]
        internal static unsafe partial int ShmCtl(int shmid, int cmd, ShmidDs* buf);
    }
}
