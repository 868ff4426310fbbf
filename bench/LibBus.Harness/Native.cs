using System.Runtime.InteropServices;

namespace LibBus.Harness;

/// <summary>The few libc calls the harness makes itself (ping-pong floor, signals).</summary>
internal static unsafe partial class Native
{
    internal const int IPC_PRIVATE = 0;
    internal const int IPC_CREAT = 0x200;
    internal const int IPC_RMID = 0;
    internal const int EINTR = 4;
    internal const int SIGTERM = 15;

    [StructLayout(LayoutKind.Sequential)]
    internal struct SemBuf
    {
        public ushort Num;
        public short Op;
        public short Flg;
    }

    [LibraryImport("libc", EntryPoint = "semget", SetLastError = true)]
    internal static partial int SemGet(int key, int nsems, int flags);

    [LibraryImport("libc", EntryPoint = "semop", SetLastError = true)]
    internal static partial int SemOp(int semid, SemBuf* ops, nuint nops);

    [LibraryImport("libc", EntryPoint = "semctl", SetLastError = true)]
    internal static partial int SemCtl(int semid, int semnum, int cmd);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    internal static partial int Kill(int pid, int signal);

    /// <summary>One semop with one operation, retried on EINTR; throws on any other error.</summary>
    internal static void Op(int semid, ushort num, short op)
    {
        SemBuf b = new() { Num = num, Op = op, Flg = 0 };
        while (SemOp(semid, &b, 1) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno != EINTR) throw new InvalidOperationException($"semop: errno {errno}");
        }
    }
}
