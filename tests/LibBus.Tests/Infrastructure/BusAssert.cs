namespace LibBus.Tests.Infrastructure;

public static class BusAssert
{
    /// <summary>
    /// Between deliveries with no listener: S = 0, W = 0, X = 1, N = 0. Q is left
    /// out: a listener that leaves while queued leaves its V(Q), and the next
    /// broadcaster resets Q anyway.
    /// </summary>
    public static void Idle(Bus bus)
    {
        BusSemaphoreValues v = bus.GetSemaphoreValues();
        Assert.True(v.S == 0 && v.W == 0 && v.X == 1 && v.N == 0,
            $"expected an idle bus (S=0 W=0 X=1 N=0), got {Describe(v)}");
    }

    /// <summary>
    /// What LibBus writes in a new key file (PROTOCOL.md, "Objects", item 1): the two keys, then
    /// the IPC namespace of the writer, this process's (as readlink /proc/self/ns/ipc shows it).
    /// </summary>
    public static string KeyFileText(BusKeys keys) => $"{keys.SemaphoreKey}\n{keys.SegmentKey}\n{ThisNamespace}\n";

    /// <summary><c>ipc:[INODE]</c> of this process.</summary>
    public static string ThisNamespace => new FileInfo("/proc/self/ns/ipc").LinkTarget!;

    public static string Describe(BusSemaphoreValues v) => $"S={v.S} W={v.W} X={v.X} Q={v.Q} N={v.N}";

    /// <summary>The semaphore at <paramref name="index"/> of the array (<see cref="Semaphores.S"/> .. <see cref="Semaphores.N"/>), for tests that name one by its index.</summary>
    public static ushort At(BusSemaphoreValues v, int index) => index switch
    {
        Semaphores.S => v.S,
        Semaphores.W => v.W,
        Semaphores.X => v.X,
        Semaphores.Q => v.Q,
        Semaphores.N => v.N,
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };
}
