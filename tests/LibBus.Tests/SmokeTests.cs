using LibBus.Tests.Infrastructure;

namespace LibBus.Tests;

public sealed class SmokeTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private readonly BusSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    [Fact]
    public void A_broadcast_reaches_a_listener_in_another_process()
    {
        string path = _sandbox.CreateBus();
        Peer listener = _sandbox.Dotnet("listen", path, "2");
        listener.WaitReady();

        Bus bus = _sandbox.Open(path, BusAccess.Broadcast);
        bus.Broadcast("0 hello");
        bus.Broadcast("0 world");

        Assert.Equal(0, listener.WaitForExit(Wait));
        Assert.Equal(["0 hello", "0 world"], listener.StdoutLines);
        BusAssert.Idle(bus);
    }

    [Fact]
    public void A_bus_created_used_and_removed_leaves_none_of_its_objects_in_ipcs()
    {
        var ipc = new IpcScope();
        string path = _sandbox.CreateBus("cycle");
        ipc.AddKeyFile(path);
        string during = Tools.Run("ipcs", ["-s"]) + Tools.Run("ipcs", ["-m"]);
        int semid, shmid;
        using (Bus bus = Bus.Open(path))
        {
            (semid, shmid) = (bus.SemaphoreId, bus.SegmentId);
            Assert.Contains($" {bus.SemaphoreId} ", during);
            Assert.Contains($" {bus.SegmentId} ", during);
            bus.Broadcast("0 cycle");
        }
        Bus.Remove(path);
        // Only this test's objects: other programs may make and remove theirs meanwhile.
        Assert.DoesNotContain(IpcTable.Semaphores(), o => o.Id == semid);
        Assert.DoesNotContain(IpcTable.Segments(), o => o.Id == shmid);
        Assert.Equal("", ipc.DescribeLeaks());
    }
}
