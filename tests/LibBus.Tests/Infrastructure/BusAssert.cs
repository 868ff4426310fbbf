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
        IReadOnlyList<ushort> v = bus.GetSemaphoreValues();
        Assert.True(v[Semaphores.S] == 0 && v[Semaphores.W] == 0 && v[Semaphores.X] == 1 && v[Semaphores.N] == 0,
            $"expected an idle bus (S=0 W=0 X=1 N=0), got {Describe(v)}");
    }

    /// <summary>
    /// What LibBus writes in a new key file (PROTOCOL.md, "Objects", item 1): the two keys, then
    /// the IPC namespace of the writer, this process's (as readlink /proc/self/ns/ipc shows it).
    /// </summary>
    public static string KeyFileText(BusKeys keys) => $"{keys.SemaphoreKey}\n{keys.SegmentKey}\n{ThisNamespace}\n";

    /// <summary><c>ipc:[INODE]</c> of this process.</summary>
    public static string ThisNamespace => new FileInfo("/proc/self/ns/ipc").LinkTarget!;

    public static string Describe(IReadOnlyList<ushort> v) => $"S={v[0]} W={v[1]} X={v[2]} Q={v[3]} N={v[4]}";
}
