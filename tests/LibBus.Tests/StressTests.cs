using LibBus.Tests.Infrastructure;

namespace LibBus.Tests;

/// <summary>
/// Many processes on one bus, back to back: the load under which the C library
/// wedges within a few hundred messages. Every run must end, and every listener
/// present for a message gets it exactly once, all listeners in one order.
/// </summary>
public sealed class StressTests : IDisposable
{
    private const int PerBroadcaster = 2000;
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(2);
    private readonly BusSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    [Fact]
    public void Four_listeners_and_two_broadcasters_exchange_2000_messages_each_without_loss_or_wedging()
    {
        string path = _sandbox.CreateBus();
        Bus bus = _sandbox.Open(path);
        const int total = 2 * PerBroadcaster;
        Peer[] listeners =
        [
            _sandbox.Dotnet("listen", path, $"{total}"),
            _sandbox.Dotnet("listen", path, $"{total}"),
            _sandbox.Dotnet("subscribe", path, $"{total}"),
            _sandbox.Dotnet("poll", path, $"{total}", "0"),
        ];
        foreach (Peer l in listeners) l.WaitReady();

        Peer[] broadcasters =
        [
            _sandbox.Dotnet("broadcast", path, "0 a", $"{PerBroadcaster}"),
            _sandbox.Dotnet("broadcast", path, "0 b", $"{PerBroadcaster}"),
        ];
        Watchdog.Run(bus, () => listeners.Sum(l => (long)l.StdoutCount),
            () => listeners.All(l => l.HasExited) && broadcasters.All(b => b.HasExited), Limit);

        foreach (Peer b in broadcasters) Assert.Equal(0, b.WaitForExit(TimeSpan.FromSeconds(10)));
        foreach (Peer l in listeners) Assert.Equal(0, l.WaitForExit(TimeSpan.FromSeconds(10)));
        IReadOnlyList<string> order = listeners[0].StdoutLines;
        AssertEachExactlyOnceInSenderOrder(order);
        foreach (Peer l in listeners.Skip(1)) Assert.Equal(order, l.StdoutLines);
        BusAssert.Idle(bus);
    }

    [Fact]
    public void Listeners_joining_and_leaving_mid_stream_see_an_unbroken_run_of_the_common_order()
    {
        string path = _sandbox.CreateBus();
        Bus bus = _sandbox.Open(path);
        const int total = 2 * PerBroadcaster;
        Peer witness = _sandbox.Dotnet("listen", path, $"{total}");
        witness.WaitReady();

        // Paced (2 ms between messages) so that the stream outlasts many listener start-ups.
        Peer[] broadcasters =
        [
            _sandbox.Dotnet("broadcast", path, "0 a", $"{PerBroadcaster}", "2"),
            _sandbox.Dotnet("broadcast", path, "0 b", $"{PerBroadcaster}", "2"),
        ];

        // Two churning slots: each runs short-lived listeners of random kinds and
        // lengths, one after another, until the broadcasters are done.
        var random = new Random(4711);
        string[] kinds = ["listen", "subscribe", "poll"];
        var churners = new List<Peer>();
        Peer?[] slots = new Peer?[2];
        bool Done() => broadcasters.All(b => b.HasExited) && witness.HasExited;
        Watchdog.Run(bus, () => witness.StdoutCount + churners.Sum(c => (long)c.StdoutCount), () =>
        {
            if (Done()) return true;
            for (int i = 0; i < slots.Length; i++)
            {
                if (slots[i] is { HasExited: false } || broadcasters.All(b => b.HasExited)) continue;
                string kind = kinds[random.Next(kinds.Length)];
                string count = random.Next(20, 400).ToString();
                Peer p = kind == "poll" ? _sandbox.Dotnet(kind, path, count, "0") : _sandbox.Dotnet(kind, path, count);
                churners.Add(p);
                slots[i] = p;
            }
            return false;
        }, Limit);

        Assert.Equal(0, witness.WaitForExit(TimeSpan.FromSeconds(10)));
        IReadOnlyList<string> order = witness.StdoutLines;
        AssertEachExactlyOnceInSenderOrder(order);
        var index = order.Select((m, i) => (m, i)).ToDictionary(x => x.m, x => x.i);
        int checkedChurners = 0;
        foreach (Peer c in churners)
        {
            // Listeners still waiting to join when the stream ended see nothing; stop them.
            if (!c.HasExited) c.Kill();
            IReadOnlyList<string> seen = c.StdoutLines;
            if (seen.Count == 0) continue;
            int start = index[seen[0]];
            Assert.Equal(order.Skip(start).Take(seen.Count), seen);
            checkedChurners++;
        }
        Assert.True(checkedChurners >= 3, $"only {checkedChurners} churning listeners received anything");
        foreach (Peer b in broadcasters) Assert.Equal(0, b.WaitForExit(TimeSpan.FromSeconds(10)));
        Eventually.True(() => bus.GetSemaphoreValues().S == 0, "all listeners gone");
        BusAssert.Idle(bus);
    }

    /// <summary>Every message of both senders once, each sender's in the order sent.</summary>
    private static void AssertEachExactlyOnceInSenderOrder(IReadOnlyList<string> order)
    {
        Assert.Equal(2 * PerBroadcaster, order.Count);
        Assert.Equal(order.Count, order.Distinct().Count());
        foreach (string sender in new[] { "0 a", "0 b" })
        {
            Assert.Equal(Enumerable.Range(0, PerBroadcaster).Select(i => $"{sender} {i}"),
                order.Where(m => m.StartsWith(sender + " ")));
        }
    }
}
