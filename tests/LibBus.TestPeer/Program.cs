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
    Console.Error.WriteLine("usage: LibBus.TestPeer listen|subscribe|poll|broadcast|broadcast-lines PATH ...");
    return 2;
}
