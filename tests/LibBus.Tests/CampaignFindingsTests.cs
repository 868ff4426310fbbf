using LibBus.Tests.Infrastructure;

namespace LibBus.Tests;

/// <summary>Bugs the fault campaign found, each pinned down deterministically.</summary>
public sealed class CampaignFindingsTests : IDisposable
{
    private readonly BusSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    /// <summary>
    /// Campaign 1000 trials from seed 1000, trial 524 (seed 1524, remove-cli): a poller present
    /// throughout never printed a message whose broadcast had returned. Here strace delays the
    /// poller's re-queue (the semaphore call after its copy and acknowledgement) by 3 s, and the bus
    /// is removed meanwhile.
    /// </summary>
    [Fact]
    public void A_poller_returns_the_message_it_acknowledged_even_if_the_bus_is_removed_before_it_requeues()
    {
        if (!File.Exists("/usr/bin/strace")) return;
        string path = _sandbox.CreateBus();
        Peer poller = _sandbox.Track(new Peer("strace",
        [
            // glibc's semop is semtimedop(..., NULL): join (timed), wait, acknowledge, re-queue = the 4th call.
            // Where semop is its own system call, the re-queue is the 3rd semop.
            "-f", "-qq", "-o", "/dev/null", "-e", "trace=semop,semtimedop",
            "-e", "inject=semtimedop:delay_enter=3000000:when=4", "-e", "inject=semop:delay_enter=3000000:when=3",
            "dotnet", Path.Combine(AppContext.BaseDirectory, "LibBus.TestPeer.dll"), "poll", path, "2", "0",
        ]));
        poller.WaitReady(TimeSpan.FromSeconds(60));
        using (Bus bus = Bus.Open(path, BusAccess.Broadcast))
            bus.Broadcast("0 m", TimeSpan.FromSeconds(30)); // returns once the poller has acknowledged
        Bus.Remove(path);
        int exit = poller.WaitForExit(TimeSpan.FromSeconds(60));
        Assert.True(exit == 3, $"exit {exit}: {poller.StderrText}");
        Assert.Equal(["0 m"], poller.StdoutLines);
    }
}
