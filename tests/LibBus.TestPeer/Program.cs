// A LibBus peer for the tests: each role runs as its own process, because
// SEM_UNDO and death are per process. Messages go to stdout one per line,
// readiness ("ready") and errors to stderr.
//
//   listen    PATH COUNT          callback loop; COUNT 0 = until killed
//   subscribe PATH COUNT          IAsyncEnumerable with the Joined signal
//   poll      PATH COUNT DELAY_MS poll API, sleeping DELAY_MS before each poll
//   broadcast PATH PREFIX COUNT [PAUSE_MS]
//                                 broadcasts "PREFIX i" for i in [0, COUNT), pausing between
//   broadcast-lines PATH          broadcasts each stdin line
//   until-error PATH subscribe|listen-async|poll
//                                 listens until an error ends it, disposes everything, then
//                                 prints "error: TYPE" (stderr) and "attached N" (stdout): the
//                                 System V segments this process still has attached
//
// Exit: 0 done, 3 bus removed, 4 timeout, 1 other error, 2 usage.
using LibBus;

var stdout = Console.Out;
Console.SetOut(new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = true });
stdout = Console.Out;

if (args.Length < 2) return Usage();
string verb = args[0], path = args[1];
try
{
    switch (verb)
    {
        case "listen" when args.Length == 3:
        {
            int count = int.Parse(args[2]);
            using var bus = Bus.Open(path, BusAccess.Listen);
            int seen = 0;
            bus.Listen(m =>
            {
                stdout.WriteLine(m.Text);
                return count == 0 || ++seen < count;
            }, Ready);
            return 0;
        }
        case "subscribe" when args.Length == 3:
        {
            int count = int.Parse(args[2]);
            using var bus = Bus.Open(path, BusAccess.Listen);
            await using var subscription = bus.Subscribe(capacity: 4);
            await subscription.Joined;
            Ready();
            int seen = 0;
            await foreach (BusMessage m in subscription)
            {
                stdout.WriteLine(m.Text);
                if (count != 0 && ++seen == count) break;
            }
            return 0;
        }
        case "poll" when args.Length == 4:
        {
            int count = int.Parse(args[2]), delay = int.Parse(args[3]);
            using var bus = Bus.Open(path, BusAccess.Listen);
            using var poller = bus.StartPolling(TimeSpan.FromSeconds(10));
            Ready();
            for (int seen = 0; count == 0 || seen < count; seen++)
            {
                Thread.Sleep(delay);
                BusMessage m = poller.Poll()!;
                stdout.WriteLine(m.Text);
            }
            return 0;
        }
        case "broadcast" when args.Length is 4 or 5:
        {
            int count = int.Parse(args[3]), pause = args.Length == 5 ? int.Parse(args[4]) : 0;
            using var bus = Bus.Open(path, BusAccess.Broadcast);
            for (int i = 0; i < count; i++)
            {
                bus.Broadcast($"{args[2]} {i}");
                if (pause > 0) Thread.Sleep(pause);
            }
            stdout.WriteLine("done");
            return 0;
        }
        case "broadcast-lines" when args.Length == 2:
        {
            using var bus = Bus.Open(path, BusAccess.Broadcast);
            while (Console.ReadLine() is { } line)
                bus.Broadcast(line);
            stdout.WriteLine("done");
            return 0;
        }
        case "until-error" when args.Length == 3:
        {
            var bus = Bus.Open(path, BusAccess.Listen);
            string error = "none";
            try
            {
                switch (args[2])
                {
                    case "subscribe":
                        await using (BusSubscription subscription = bus.Subscribe(capacity: 4))
                        {
                            await subscription.Joined;
                            Ready();
                            await foreach (BusMessage m in subscription) stdout.WriteLine(m.Text);
                        }
                        break;
                    case "listen-async":
                        await foreach (BusMessage m in bus.ListenAsync(capacity: 4).WithReady(bus)) stdout.WriteLine(m.Text);
                        break;
                    case "poll":
                        using (BusPoller poller = bus.StartPolling(TimeSpan.FromSeconds(10)))
                        {
                            Ready();
                            while (true) stdout.WriteLine(poller.Poll()!.Text);
                        }
                    default:
                        return Usage();
                }
            }
            catch (BusException e)
            {
                error = e.GetType().Name;
            }
            bus.Dispose();
            Console.Error.WriteLine($"error: {error}");
            stdout.WriteLine($"attached {File.ReadLines("/proc/self/maps").Count(l => l.Contains("/SYSV", StringComparison.Ordinal))}");
            return 1;
        }
        default:
            return Usage();
    }
}
catch (BusRemovedException e)
{
    Console.Error.WriteLine($"removed: {e.Message}");
    return 3;
}
catch (BusTimeoutException e)
{
    Console.Error.WriteLine($"timeout: {e.Message}");
    return 4;
}
catch (BusException e)
{
    Console.Error.WriteLine($"error: {e.GetType().Name}: {e.Message}");
    return 1;
}

static void Ready()
{
    Console.Error.WriteLine("ready");
    Console.Error.Flush();
}

static int Usage()
{
    Console.Error.WriteLine("usage: LibBus.TestPeer listen|subscribe|poll|broadcast|broadcast-lines|until-error PATH ...");
    return 2;
}

static class ListenAsyncReady
{
    /// <summary>Says "ready" once this process's listener is counted (S = 1): ListenAsync has no joined signal.</summary>
    public static async IAsyncEnumerable<BusMessage> WithReady(this IAsyncEnumerable<BusMessage> messages, Bus bus)
    {
        await using IAsyncEnumerator<BusMessage> e = messages.GetAsyncEnumerator();
        ValueTask<bool> first = e.MoveNextAsync();
        while (bus.GetSemaphoreValues().S == 0) await Task.Delay(10);
        Console.Error.WriteLine("ready");
        if (!await first) yield break;
        yield return e.Current;
        while (await e.MoveNextAsync()) yield return e.Current;
    }
}
