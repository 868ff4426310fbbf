using Xunit.Abstractions;
using LibBus.Tests.Infrastructure;
using static LibBus.Interop.Libc;

namespace LibBus.Tests;

/// <summary>
/// Q stays bounded (issue 11, item 1): joins raise it and only a publish resets it, so a
/// quiet bus with many short-lived listeners used to reach the kernel's maximum (32,767),
/// after which every join and broadcast failed with ERANGE for good.
/// </summary>
public sealed class BoundedQueueTests(ITestOutputHelper output) : IDisposable
{
    private const short SemaphoreMaximum = short.MaxValue; // SEMVMX
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private readonly BusSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    [Fact]
    public void A_hundred_thousand_joins_and_leaves_without_a_broadcast_leave_Q_small_and_the_bus_working()
    {
        string path = _sandbox.CreateBus();
        Bus bus = _sandbox.Open(path);

        for (int i = 0; i < 100_000; i++)
            bus.StartPolling(Wait).Dispose();

        BusSemaphoreValues values = bus.GetSemaphoreValues();
        output.WriteLine($"S W X Q N after 100,000 joins and leaves: {string.Join(' ', values)}");
        Assert.True(values.Q <= 2, $"Q = {values.Q} after 100,000 joins");
        Assert.Equal(0, values.S);
        AssertWorks(bus);
    }

    [Fact]
    public void A_bus_found_with_Q_at_the_kernel_maximum_recovers_for_a_listener_and_a_broadcaster()
    {
        string path = _sandbox.CreateBus();
        Bus bus = _sandbox.Open(path);
        SetQ(bus, SemaphoreMaximum);

        // A join raises Q: it used to fail with ERANGE.
        using (BusPoller poller = bus.StartPolling(Wait))
            Assert.True(bus.GetSemaphoreValues().Q < SemaphoreMaximum);

        AssertWorks(bus);
    }

    [Fact]
    public void A_broadcast_on_a_bus_with_Q_at_the_kernel_maximum_and_no_listener_succeeds()
    {
        string path = _sandbox.CreateBus();
        Bus bus = _sandbox.Open(path);
        SetQ(bus, SemaphoreMaximum);

        // Taking the bus raises Q too.
        bus.Broadcast("0 nobody listens", Wait);

        Assert.Equal(new BusSemaphoreValues(0, 0, 1, 0, 0), bus.GetSemaphoreValues());
    }

    [Fact]
    public void A_C_listener_and_a_LibBus_listener_receive_after_Q_was_at_the_kernel_maximum()
    {
        string path = _sandbox.CreateBus();
        Bus bus = _sandbox.Open(path);
        SetQ(bus, SemaphoreMaximum - 1);
        Peer c = _sandbox.C("listen", path, "1");
        c.WaitReady(Wait); // its V(Q) took Q to the maximum
        Peer dotnet = _sandbox.Dotnet("listen", path, "1");
        dotnet.WaitReady(Wait);

        bus.Broadcast("0 still alive", Wait);

        Assert.Equal(0, c.WaitForExit(Wait));
        Assert.Equal(0, dotnet.WaitForExit(Wait));
        Assert.Equal(["0 still alive"], c.StdoutLines);
        Assert.Equal(["0 still alive"], dotnet.StdoutLines);
    }

    private static void SetQ(Bus bus, int value)
    {
        Assert.Equal(0, SemCtl(bus.SemaphoreId, Semaphores.Q, SETVAL, value));
    }

    /// <summary>A listener joins and receives a broadcast, and the bus ends idle.</summary>
    private static void AssertWorks(Bus bus)
    {
        using BusPoller poller = bus.StartPolling(Wait);
        Task broadcast = bus.BroadcastAsync("0 after the cycles", Wait);
        Assert.Equal("0 after the cycles", poller.Poll(Wait)?.ToString());
        Assert.True(broadcast.Wait(Wait));
        poller.Dispose();
        BusSemaphoreValues values = bus.GetSemaphoreValues();
        Assert.Equal(new ushort[] { 0, 0, 1, 0 }, new[] { values.S, values.W, values.X, values.N });
    }
}
