namespace LibBus.Harness;

/// <summary>
/// The semaphore ping-pong floor's one helper. The harness's native calls (semget, semop,
/// semctl, kill) are LibBus's own Interop files, linked in (see the project file).
/// </summary>
internal static unsafe class Native
{
    /// <summary>One semop with one operation, retried on EINTR; throws on any other error.</summary>
    internal static void Op(int semid, ushort num, short op)
    {
        Interop.Libc.SemBuf b = new(num, op, 0);
        while (Interop.Libc.SemOp(semid, &b, 1) != 0)
        {
            int errno = Interop.Errors.SystemErrno; // semop has no SetLastError (Interop.SemOp.cs)
            if (errno != Interop.Errors.EINTR) throw new InvalidOperationException($"semop: errno {errno}");
        }
    }
}
