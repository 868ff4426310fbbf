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

    public static string Describe(IReadOnlyList<ushort> v) => $"S={v[0]} W={v[1]} X={v[2]} Q={v[3]} N={v[4]}";
}
