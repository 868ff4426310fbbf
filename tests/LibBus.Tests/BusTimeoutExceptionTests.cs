using LibBus.Tests.Infrastructure;

namespace LibBus.Tests;

/// <summary>
/// A <see cref="BusTimeoutException"/> is a <see cref="BusException"/>, so it cannot also be a
/// <see cref="TimeoutException"/>; as HttpClient's timeout does, it carries one as its inner
/// exception (issue 27), whichever way the timeout came.
/// </summary>
public sealed class BusTimeoutExceptionTests : IDisposable
{
    private readonly BusSandbox _sandbox = new();
    private readonly string _path;
    private readonly Bus _bus;

    public BusTimeoutExceptionTests()
    {
        _path = _sandbox.CreateBus();
        _bus = _sandbox.Open(_path);
    }

    public void Dispose() => _sandbox.Dispose();

    [Fact]
    public void A_constructed_BusTimeoutException_carries_a_TimeoutException_with_its_message()
    {
        var e = new BusTimeoutException("/tmp/b: timed out", "/tmp/b", 1);
        TimeoutException inner = Assert.IsType<TimeoutException>(e.InnerException);
        Assert.Equal(e.Message, inner.Message);
    }

    [Fact]
    public async Task Broadcast_and_BroadcastAsync_timeouts_carry_a_TimeoutException()
    {
        Peer silent = _sandbox.Dotnet("poll", _path, "1", "600000");
        silent.WaitReady();

        var sync = Assert.Throws<BusTimeoutException>(() => _bus.Broadcast("0 too slow", TimeSpan.FromMilliseconds(200)));
        Assert.IsType<TimeoutException>(sync.InnerException);

        var async = await Assert.ThrowsAsync<BusTimeoutException>(
            async () => await _bus.BroadcastAsync("0 too slow", TimeSpan.FromMilliseconds(200)));
        Assert.IsType<TimeoutException>(async.InnerException);

        silent.Kill();
    }
}
