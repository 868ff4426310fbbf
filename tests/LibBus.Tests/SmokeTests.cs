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
}
