using LibBus.Tests.Infrastructure;

namespace LibBus.Tests;

/// <summary>Processes killed, stopped, or losing their bus mid-stream.</summary>
public sealed class FaultTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private readonly BusSandbox _sandbox = new();
    private readonly string _path;
    private readonly Bus _bus;

    public FaultTests()
    {
        _path = _sandbox.CreateBus();
        _bus = _sandbox.Open(_path);
    }

    public void Dispose() => _sandbox.Dispose();

    [Theory]
    [InlineData("listen")]
    [InlineData("subscribe")]
    [InlineData("poll")]
    public void A_listener_killed_mid_stream_leaves_the_bus_working(string kind)
    {
        Peer victim = kind == "poll" ? _sandbox.Dotnet(kind, _path, "0", "0") : _sandbox.Dotnet(kind, _path, "0");
        Peer survivor = _sandbox.Dotnet("listen", _path, "2000");
        victim.WaitReady();
        survivor.WaitReady();
        Peer broadcaster = _sandbox.Dotnet("broadcast", _path, "0 m", "2000");

        Eventually.True(() => victim.StdoutCount >= 100, "the victim to receive 100 messages", Wait);
        victim.Signal(Interop.Libc.SIGKILL);

        Watchdog.Run(_bus, () => survivor.StdoutCount, () => survivor.HasExited && broadcaster.HasExited, Wait);
        Assert.Equal(0, broadcaster.WaitForExit(Wait));
        Assert.Equal(0, survivor.WaitForExit(Wait));
        Assert.Equal(Enumerable.Range(0, 2000).Select(i => $"0 m {i}"), survivor.StdoutLines);
        BusAssert.Idle(_bus);
    }

    [Fact]
    public void A_broadcaster_killed_mid_broadcast_leaves_the_bus_working()
    {
        Peer listener = _sandbox.Dotnet("listen", _path, "0");
        listener.WaitReady();
        Peer victim = _sandbox.Dotnet("broadcast", _path, "0 m", "100000");

        Eventually.True(() => listener.StdoutCount >= 200, "200 messages from the victim", Wait);
        victim.Signal(Interop.Libc.SIGKILL);
        Assert.Equal(137, victim.WaitForExit(Wait));

        // Its undo releases the bus; the message it was delivering may be lost, nothing else.
        _bus.Broadcast("0 after", TimeSpan.FromSeconds(10));
        Eventually.True(() => listener.StdoutLines.LastOrDefault() == "0 after", "the next broadcast to arrive", Wait);
        List<string> before = listener.StdoutLines.SkipLast(1).ToList();
        Assert.Equal(Enumerable.Range(0, before.Count).Select(i => $"0 m {i}"), before);
        BusSemaphoreValues v = _bus.GetSemaphoreValues();
        Assert.True(v.X == 1 && v.N == 0 && v.W == 0, BusAssert.Describe(v));
    }

    [Theory]
    [InlineData("listen")]
    [InlineData("subscribe")]
    public void A_stopped_and_continued_listener_stays_on_the_bus(string kind)
    {
        Peer listener = _sandbox.Dotnet(kind, _path, "3");
        listener.WaitReady();
        _bus.Broadcast("0 before", TimeSpan.FromSeconds(10));
        Assert.Equal("0 before", listener.ReadLine(Wait));

        listener.Signal(Interop.Libc.SIGSTOP);
        // kill() returns before the target has stopped: on a loaded machine a thread of it can
        // still run for a while. Broadcast only once every thread is stopped.
        Eventually.True(() => AllThreadsStopped(listener.Pid), "every thread of the listener to stop");
        Task pending = Task.Factory.StartNew(() => _bus.Broadcast("0 while stopped", TimeSpan.FromSeconds(20)), TaskCreationOptions.LongRunning);
        Thread.Sleep(300);
        Assert.False(pending.IsCompleted, "a broadcast returned before a stopped listener copied the message");
        listener.Signal(Interop.Libc.SIGCONT);

        Eventually.Done(pending, Wait, "broadcast to the continued listener");
        _bus.Broadcast("0 after", TimeSpan.FromSeconds(10));
        Assert.Equal(0, listener.WaitForExit(Wait));
        Assert.Equal(["0 before", "0 while stopped", "0 after"], listener.StdoutLines);
        BusAssert.Idle(_bus);
    }

    /// <summary>Every thread of <paramref name="pid"/> is stopped (state T in /proc/PID/task/TID/stat).</summary>
    internal static bool AllThreadsStopped(int pid)
    {
        foreach (string task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            string stat;
            try { stat = File.ReadAllText(Path.Combine(task, "stat")); }
            catch (IOException) { continue; } // the thread exited
            // "tid (comm) S ...": the state follows the last ')'.
            if (stat[(stat.LastIndexOf(')') + 2)..].FirstOrDefault() is not ('T' or 't')) return false;
        }
        return true;
    }

    [Theory]
    [InlineData("listen")]
    [InlineData("subscribe")]
    [InlineData("poll")]
    public void Removing_the_semaphore_array_under_a_blocked_listener_ends_it_with_bus_removed(string kind)
    {
        Peer listener = kind == "poll" ? _sandbox.Dotnet(kind, _path, "0", "0") : _sandbox.Dotnet(kind, _path, "0");
        listener.WaitReady();

        Tools.Run("ipcrm", ["-s", _bus.SemaphoreId.ToString()]);

        Assert.Equal(3, listener.WaitForExit(Wait));
        Assert.Contains("the bus was removed", listener.StderrText);
        Assert.Contains(_path, listener.StderrText);
    }

    [Fact]
    public void Removing_the_bus_under_a_waiting_broadcaster_ends_it_with_bus_removed()
    {
        Peer silent = _sandbox.Dotnet("poll", _path, "1", "600000");
        silent.WaitReady();
        Peer broadcaster = _sandbox.Dotnet("broadcast", _path, "0 m", "1");
        Eventually.True(() => _bus.GetSemaphoreValues().X == 0, "the broadcaster to take the bus");

        BusRemoval removal = Bus.Remove(_path);

        Assert.True(removal.Succeeded, removal.ToString());
        Assert.Equal(3, broadcaster.WaitForExit(Wait));
        Assert.Contains("the bus was removed", broadcaster.StderrText);
        Assert.Throws<BusRemovedException>(() => _bus.Broadcast("0 gone"));
    }

    [Fact]
    public void A_key_file_whose_objects_were_removed_says_the_bus_is_gone_and_how_to_recreate_it()
    {
        Tools.Run("ipcrm", ["-s", _bus.SemaphoreId.ToString(), "-m", _bus.SegmentId.ToString()]);

        var e = Assert.Throws<BusRemovedException>(() => Bus.Open(_path));
        Assert.Contains(_path, e.Message);
        Assert.Contains("bus create", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
