namespace LibBus.Campaign;

/// <summary>
/// The processes a trial runs. Each opens the bus, says "opened" on stderr, waits
/// for a line on stdin (the harness's "go": so that joins and streams start at the
/// moment the harness picks, not when the runtime has started), then plays its role.
/// Messages received and "sent I" / "timeout I UNACKED" go to stdout, one per line,
/// flushed at once; "ready" on stderr once a listener is counted on the bus.
/// Exit: 0 done, 3 bus removed, 4 timeout, 5 no "go" (stdin closed), 1 other error, 2 usage.
/// </summary>
public static class CampaignPeer
{
    /// <summary>The message that ends every listener of a trial.</summary>
    public const string EndMessage = "end";

    public static int Run(string[] args)
    {
        var stdout = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = true };
        var stderr = new StreamWriter(Console.OpenStandardError()) { AutoFlush = true };
        try
        {
            switch (args)
            {
                case ["listen", var path, var kind, var count, var delay]:
                    return Listen(stdout, stderr, path, kind, int.Parse(count), int.Parse(delay));
                case ["broadcast", var path, var id, var count, var pause, var timeout]:
                    return Broadcast(stdout, stderr, path, id, int.Parse(count), int.Parse(pause), int.Parse(timeout));
                default:
                    stderr.WriteLine("usage: LibBus.Campaign peer listen PATH KIND COUNT DELAY_MS | broadcast PATH ID COUNT PAUSE_MS TIMEOUT_MS");
                    return 2;
            }
        }
        catch (BusRemovedException e)
        {
            stderr.WriteLine($"removed: {e.Message}");
            return 3;
        }
        catch (BusTimeoutException e)
        {
            stderr.WriteLine($"timeout: {e.Message}");
            return 4;
        }
        catch (Exception e)
        {
            stderr.WriteLine($"error: {e.GetType().Name}: {e.Message}");
            return 1;
        }
    }

    private static bool Go(StreamWriter stderr)
    {
        stderr.WriteLine("opened");
        return Console.In.ReadLine() is not null;
    }

    private static int Listen(StreamWriter stdout, StreamWriter stderr, string path, string kind, int count, int delay)
    {
        using var bus = Bus.Open(path, BusAccess.Listen);
        if (!Go(stderr)) return 5;
        int seen = 0;
        bool More(BusMessage m)
        {
            stdout.WriteLine(m.Text);
            return m.Text != EndMessage && (count == 0 || ++seen < count);
        }
        switch (kind)
        {
            case "listen":
                bus.Listen(m =>
                {
                    bool more = More(m);
                    if (more && delay > 0) Thread.Sleep(delay);
                    return more;
                }, () => stderr.WriteLine("ready"));
                return 0;
            case "subscribe":
            {
                using BusSubscription subscription = bus.Subscribe(capacity: 4);
                subscription.Joined.GetAwaiter().GetResult();
                stderr.WriteLine("ready");
                IAsyncEnumerator<BusMessage> messages = subscription.GetAsyncEnumerator();
                while (messages.MoveNextAsync().AsTask().GetAwaiter().GetResult())
                {
                    if (!More(messages.Current)) break;
                    if (delay > 0) Thread.Sleep(delay);
                }
                return 0;
            }
            case "poll":
            {
                using BusPoller poller = bus.StartPolling(TimeSpan.FromSeconds(30));
                stderr.WriteLine("ready");
                while (true)
                {
                    if (delay > 0) Thread.Sleep(delay);
                    if (!More(poller.Poll()!)) return 0;
                }
            }
            default:
                stderr.WriteLine($"unknown listener kind '{kind}'");
                return 2;
        }
    }

    private static int Broadcast(StreamWriter stdout, StreamWriter stderr, string path, string id, int count, int pause, int timeoutMs)
    {
        using var bus = Bus.Open(path, BusAccess.Broadcast);
        if (!Go(stderr)) return 5;
        TimeSpan? timeout = timeoutMs > 0 ? TimeSpan.FromMilliseconds(timeoutMs) : null;
        for (int i = 0; count == 0 || i < count; i++)
        {
            try
            {
                bus.Broadcast($"{id} {i}", timeout);
            }
            catch (BusTimeoutException e)
            {
                stdout.WriteLine($"timeout {i} {e.UnacknowledgedListeners}");
                stderr.WriteLine($"timeout: {e.Message}");
                return 4;
            }
            stdout.WriteLine($"sent {i}");
            if (pause > 0) Thread.Sleep(pause);
        }
        return 0;
    }
}
