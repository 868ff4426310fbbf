using System.Buffers.Text;
using System.Diagnostics;
using System.Globalization;

namespace LibBus.Harness;

/// <summary>
/// <c>harness async</c>: BroadcastAsync's throughput against the blocking Broadcast, one
/// broadcasting process and one listener process (L = 1), on one bus handle. Modes, each
/// to a fresh listener, alternated for <c>--rounds</c> rounds (median reported):
/// <list type="bullet">
/// <item><c>sync</c>: <c>Broadcast</c> in a loop, the baseline;</item>
/// <item><c>await</c>: <c>await BroadcastAsync</c>, one at a time (a caller that waits for each);</item>
/// <item><c>window</c>: up to <c>--window</c> calls in flight, oldest awaited first (a producer).</item>
/// </list>
/// Prints one <c>ASYNC</c> line per mode and the ratios; <c>--out FILE</c> appends them.
/// </summary>
internal static class AsyncRatio
{
    internal static int Run(Options o)
    {
        int messages = o.GetInt("messages");
        int warmup = o.GetInt("warmup", Math.Max(1, messages / 10));
        int rounds = o.GetInt("rounds", 3);
        int window = o.GetInt("window", 64);
        string directory = Directory.CreateTempSubdirectory("libbus-async.").FullName;
        string path = LibBus.Bus.Create(Path.Combine(directory, "bus"), exclusive: true);
        KeyLog.Bus(path);
        var rates = new Dictionary<string, List<double>> { ["sync"] = [], ["await"] = [], ["window"] = [] };
        try
        {
            using LibBus.Bus bus = LibBus.Bus.Open(path, BusAccess.Broadcast);
            for (int round = 0; round < rounds; round++)
            {
                foreach (string mode in rates.Keys)
                    rates[mode].Add(RunMode(bus, path, mode, messages, warmup, window));
            }
        }
        finally
        {
            LibBus.Bus.Remove(path);
            Directory.Delete(directory, recursive: true);
        }

        // The 1-minute load average at the end: on a shared machine the ratios move with it.
        string load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";
        double sync = Report.Median(rates["sync"]);
        var lines = new List<string>();
        foreach ((string mode, List<double> r) in rates)
        {
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"ASYNC mode={mode} listeners=1 messages={messages} window={(mode == "window" ? window : 1)} " +
                $"msg_per_s={Report.Median(r):0} vs_sync={Report.Median(r) / sync:0.00} loadavg={load} runs={string.Join(',', r.Select(x => x.ToString("0", CultureInfo.InvariantCulture)))}"));
        }
        foreach (string line in lines) Console.WriteLine(line);
        if (o.GetOrNull("out") is { } file) File.AppendAllLines(file, lines);
        return 0;
    }

    private static double RunMode(LibBus.Bus bus, string path, string mode, int messages, int warmup, int window)
    {
        using var listener = Process.Start(new ProcessStartInfo(Environment.ProcessPath!, ["listener", path, $"{warmup + messages}"])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
        })!;
        try
        {
            if (listener.StandardOutput.ReadLine() != "READY") throw new InvalidOperationException("the listener did not start");
            byte[][] payloads = Payloads(warmup + messages);
            Send(bus, mode, payloads, 0, warmup, window);
            long start = Stopwatch.GetTimestamp();
            Send(bus, mode, payloads, warmup, messages, window);
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            string? result = listener.StandardOutput.ReadLine();
            if (!listener.WaitForExit(60_000) || listener.ExitCode != 0 || result is null || !result.StartsWith("OK", StringComparison.Ordinal))
                throw new InvalidOperationException($"the listener failed ({mode}): {result}");
            return messages / seconds;
        }
        finally
        {
            if (!listener.HasExited)
            {
                listener.Kill();
                listener.WaitForExit(5000);
            }
        }
    }

    /// <summary>"PID SEQ" for each message, made before timing (the listener checks the sequence).</summary>
    private static byte[][] Payloads(int count)
    {
        var payloads = new byte[count][];
        Span<byte> buffer = stackalloc byte[32];
        Utf8Formatter.TryFormat(Environment.ProcessId, buffer, out int prefix);
        buffer[prefix++] = (byte)' ';
        for (int i = 0; i < count; i++)
        {
            Utf8Formatter.TryFormat(i, buffer[prefix..], out int written);
            payloads[i] = buffer[..(prefix + written)].ToArray();
        }
        return payloads;
    }

    private static void Send(LibBus.Bus bus, string mode, byte[][] payloads, int first, int count, int window)
    {
        switch (mode)
        {
            case "sync":
                for (int i = first; i < first + count; i++) bus.Broadcast(payloads[i]);
                break;
            case "await":
                AwaitEach(bus, payloads, first, count).GetAwaiter().GetResult();
                break;
            default:
                Windowed(bus, payloads, first, count, window).GetAwaiter().GetResult();
                break;
        }
    }

    private static async Task AwaitEach(LibBus.Bus bus, byte[][] payloads, int first, int count)
    {
        for (int i = first; i < first + count; i++)
            await bus.BroadcastAsync(payloads[i]).ConfigureAwait(false);
    }

    private static async Task Windowed(LibBus.Bus bus, byte[][] payloads, int first, int count, int window)
    {
        var inFlight = new Queue<Task>(window);
        for (int i = first; i < first + count; i++)
        {
            if (inFlight.Count == window) await inFlight.Dequeue().ConfigureAwait(false);
            inFlight.Enqueue(bus.BroadcastAsync(payloads[i]));
        }
        while (inFlight.Count > 0) await inFlight.Dequeue().ConfigureAwait(false);
    }
}
