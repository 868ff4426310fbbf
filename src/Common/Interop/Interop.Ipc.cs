namespace LibBus;

internal static partial class Interop
{
    /// <summary>System V IPC constants from &lt;sys/ipc.h&gt;, &lt;sys/sem.h&gt; and &lt;sys/shm.h&gt; (Linux).</summary>
    /// <remarks>Checked against the system headers by a test that compiles a C program.</remarks>
    internal static partial class Libc
    {
        internal const int IPC_CREAT = 0x200;   // 01000
        internal const int IPC_EXCL = 0x400;    // 02000
        internal const int IPC_NOWAIT = 0x800;  // 04000
        internal const int IPC_PRIVATE = 0;
        internal const int IPC_RMID = 0;
        internal const int IPC_SET = 1;
        internal const int IPC_STAT = 2;

        internal const short SEM_UNDO = 0x1000;
        internal const int GETPID = 11;
        internal const int GETNCNT = 14;
        internal const int GETVAL = 12;
        internal const int GETALL = 13;
        internal const int GETZCNT = 15;
        internal const int SETVAL = 16;
        internal const int SETALL = 17;
        internal const int SEM_INFO = 19;
        internal const int SEM_STAT_ANY = 20;   // Linux 4.17

        internal const int SHM_RDONLY = 0x1000;
        internal const int SHM_INFO = 14;
        internal const int SHM_STAT_ANY = 15;   // Linux 4.17
    }
}
