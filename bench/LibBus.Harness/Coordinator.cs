using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;

namespace LibBus.Harness;

/// <summary>One throughput run's result.</summary>
internal sealed record RunResult(string Impl, int Listeners, int Broadcasters, int Messages, string Status,
    double MessagesPerSecond, double P50Us, double P99Us, double AllocBytesPerMessage, string Detail)
{
    internal const string CsvHeader = "impl,listeners,broadcasters,messages,status,msgs_per_s,p50_us,p99_us,alloc_bytes_per_msg,detail";

    internal string ToCsv() => string.Join(',', Impl, Listeners, Broadcasters, Messages, Status,
        F(MessagesPerSecond), F(P50Us), F(P99Us), F(AllocBytesPerMessage), Detail.Replace(',', ';'));

    private static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
}

/// <summary>
/// Starts L listener processes and B broadcaster processes of one implementation,
/// waits for every listener to be counted, lets the broadcasters warm up, starts
/// them together, and checks that every listener got every message. A watchdog
/// kills the whole run (status "hang") if it does not end in time.
/// </summary>
internal static class Coordinator
{
    internal static int Run(Options o)
    {
        // Each configuration runs --repeat times (default 3); the run with the median
        // throughput is reported, any failure or hang is reported instead.
        int repeat = o.GetInt("repeat", 3);
        var runs = new List<RunResult>();
        for (int i = 0; i < repeat; i++)
        {
            RunResult one = RunOnce(o, straceDir: null);
            runs.Add(one);
            if (one.Status != "ok") break;
        }
        RunResult result = runs.FirstOrDefault(r => r.Status != "ok")
            ?? runs.OrderBy(r => r.MessagesPerSecond).ElementAt(runs.Count / 2);
        if (result.Status == "ok")
            result = result with { Detail = $"verified; median of {runs.Count}: " + string.Join(" ", runs.Select(r => $"{r.MessagesPerSecond:0}")) };
        Console.WriteLine($"{result.Impl} L={result.Listeners} B={result.Broadcasters} N={result.Messages}: {result.Status} " +
            $"{result.MessagesPerSecond:0} msg/s p50 {result.P50Us:0.0} us p99 {result.P99Us:0.0} us " +
            $"alloc {result.AllocBytesPerMessage:0.##} B/msg {result.Detail}");
        if (o.GetOrNull("csv") is { } csv)
        {
            if (!File.Exists(csv)) File.WriteAllText(csv, RunResult.CsvHeader + "\n");
            File.AppendAllText(csv, result.ToCsv() + "\n");
        }
        return result.Status == "ok" ? 0 : 1;
    }

    internal static RunResult RunOnce(Options o, string? straceDir)
    {
        string impl = o.Get("impl");
        int listeners = o.GetInt("listeners");
        int broadcasters = o.GetInt("broadcasters", 1);
        int messages = o.GetInt("messages");
        int warmup = o.GetInt("warmup", 1000);
        var deadline = Stopwatch.StartNew();
        TimeSpan limit = TimeSpan.FromSeconds(o.GetInt("timeout", 120));
        long total = (long)broadcasters * (messages + warmup);

        string self = Environment.ProcessPath!;
        // libbus-aot: the same listener and broadcaster roles, from a Native AOT publish of this harness.
        string aot = o.Get("libbus-aot", "bench/out/harness-aot/harness");
        string cbaseline = o.Get("cbaseline", "bench/out/cbaseline");
        string dbuspeer = o.Get("dbuspeer", "bench/out/dbuspeer");
        // c-libbus: the baseline's roles written with bus.h, on LibBus's libbus.so.3 (bench/c/libbuspeer.c).
        string libbuspeer = o.Get("libbuspeer", "bench/out/libbuspeer");
        string? dir = null, path = null;
        string target;
        if (impl == "dbus")
        {
            target = o.Get("dbus-address");
        }
        else
        {
            dir = Directory.CreateTempSubdirectory("libbus-bench.").FullName;
            path = Bus.Create(Path.Combine(dir, "bus"));
            KeyLog.Bus(path);
            target = path;
        }

        string[] ListenerCommand() => impl switch
        {
            "libbus" => [self, "listener", target, total.ToString(CultureInfo.InvariantCulture)],
            "libbus-aot" => [aot, "listener", target, total.ToString(CultureInfo.InvariantCulture)],
            "c" => [cbaseline, "listen", target, total.ToString(CultureInfo.InvariantCulture)],
            "c-libbus" => [libbuspeer, "listen", target, total.ToString(CultureInfo.InvariantCulture)],
            "dbus" => [dbuspeer, "listen", target, total.ToString(CultureInfo.InvariantCulture)],
            _ => throw new ArgumentException($"unknown --impl {impl}"),
        };
        string[] BroadcasterCommand() => impl switch
        {
            "libbus" => [self, "broadcaster", target, $"{messages}", $"{warmup}"],
            "libbus-aot" => [aot, "broadcaster", target, $"{messages}", $"{warmup}"],
            "c" => [cbaseline, "broadcast", target, $"{messages}", $"{warmup}"],
            "c-libbus" => [libbuspeer, "broadcast", target, $"{messages}", $"{warmup}"],
            "dbus" => [dbuspeer, "broadcast", target, $"{messages}", $"{warmup}", $"{listeners}"],
            _ => throw new ArgumentException($"unknown --impl {impl}"),
        };

        var children = new List<Child>();
        RunResult Fail(string status, string detail) =>
            new(impl, listeners, broadcasters, messages, status, 0, 0, 0, 0, detail);
        try
        {
            for (int i = 0; i < listeners; i++)
                children.Add(Child.Start(ListenerCommand(), straceDir is null ? null : Path.Combine(straceDir, $"listener-{i}.txt")));
            foreach (Child listener in children)
                if (listener.Expect("READY", limit - deadline.Elapsed) is { } bad)
                    return Fail(bad == "timeout" ? "hang" : "fail", $"listener: {bad}");

            var senders = new List<Child>();
            for (int i = 0; i < broadcasters; i++)
            {
                Child b = Child.Start(BroadcasterCommand(), straceDir is null ? null : Path.Combine(straceDir, $"broadcaster-{i}.txt"), stdin: true);
                senders.Add(b);
                children.Add(b);
            }
            foreach (Child b in senders)
                if (b.Expect("READY", limit - deadline.Elapsed) is { } bad)
                    return Fail(bad == "timeout" ? "hang" : "fail", $"broadcaster warm-up: {bad}");
            foreach (Child b in senders) b.Go();

            var results = new List<Dictionary<string, long>>();
            foreach (Child b in senders)
            {
                string? line = b.NextLine(limit - deadline.Elapsed);
                if (line is null || !line.StartsWith("RESULT ", StringComparison.Ordinal))
                    return Fail(line is null && deadline.Elapsed >= limit ? "hang" : "fail", $"broadcaster: {line ?? "no result"}");
                results.Add(line[7..].Split(' ').Select(kv => kv.Split('='))
                    .ToDictionary(kv => kv[0], kv => long.Parse(kv[1], CultureInfo.InvariantCulture)));
            }
            foreach (Child listener in children.Take(listeners))
            {
                string? line = listener.NextLine(limit - deadline.Elapsed);
                if (line != $"OK received={total}")
                    return Fail(line is null && deadline.Elapsed >= limit ? "hang" : "fail", $"listener: {line ?? "no result"}");
            }
            foreach (Child c in children)
                if (!c.WaitForExit(limit - deadline.Elapsed))
                    return Fail("hang", "a child did not exit");

            long start = results.Min(r => r["start_ns"]), end = results.Max(r => r["end_ns"]);
            long sent = results.Sum(r => r["n"]);
            List<long> p50s = results.Select(r => r["p50_ns"]).Order().ToList();
            return new RunResult(impl, listeners, broadcasters, messages, "ok",
                sent / ((end - start) / 1e9), p50s[p50s.Count / 2] / 1e3, results.Max(r => r["p99_ns"]) / 1e3,
                results.Sum(r => r["alloc_bytes"]) / (double)sent, "verified");
        }
        finally
        {
            foreach (Child c in children) c.Dispose();
            if (path is not null)
            {
                try { Bus.Remove(path); } catch (BusException e) { Console.Error.WriteLine($"harness: {e.Message}"); }
            }
            if (dir is not null) Directory.Delete(dir, recursive: true);
        }
    }
}

/// <summary>A child process whose stdout lines are read in the background.</summary>
internal sealed class Child : IDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();

    private Child(Process process)
    {
        _process = process;
        _ = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync().ConfigureAwait(false) is { } line)
                _lines.Writer.TryWrite(line);
            _lines.Writer.TryComplete();
        });
    }

    internal static Child Start(string[] command, string? straceOutput, bool stdin = false)
    {
        var info = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardInput = stdin,
            UseShellExecute = false,
        };
        if (straceOutput is not null)
        {
            info.FileName = "strace";
            foreach (string a in new[] { "-f", "-c", "-o", straceOutput }) info.ArgumentList.Add(a);
            info.ArgumentList.Add(command[0]);
        }
        else
        {
            info.FileName = command[0];
        }
        foreach (string a in command.Skip(1)) info.ArgumentList.Add(a);
        return new Child(Process.Start(info)!);
    }

    /// <summary>The next line, or null at end of output or when <paramref name="wait"/> runs out.</summary>
    internal string? NextLine(TimeSpan wait)
    {
        if (wait <= TimeSpan.Zero) return null;
        try
        {
            Task<string> read = _lines.Reader.ReadAsync().AsTask();
            return read.Wait(wait) ? read.Result : null;
        }
        catch (AggregateException)
        {
            return null; // end of output
        }
    }

    /// <summary>Null if the next line is <paramref name="expected"/>; else what came instead ("timeout" if nothing).</summary>
    internal string? Expect(string expected, TimeSpan wait)
    {
        string? line = NextLine(wait);
        return line == expected ? null : line ?? (_process.HasExited ? $"exited with {_process.ExitCode}" : "timeout");
    }

    internal void Go()
    {
        _process.StandardInput.Write("GO\n");
        _process.StandardInput.Flush();
    }

    internal bool WaitForExit(TimeSpan wait) => wait > TimeSpan.Zero && _process.WaitForExit(wait);

    /// <summary>Kills the child (and its children, e.g. under strace) if it is still running.</summary>
    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }
}
