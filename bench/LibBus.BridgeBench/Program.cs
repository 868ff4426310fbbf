// Node-to-node figures through `BusBridge`, from one run, side by side (issue 26):
//   local    one bus: broadcast until its listener copied the message;
//   NATS     two plain NATS clients on the same server: publish until the other one received it (the floor
//            of the network part of a bridged path);
//   plain    bus A -> bridge (out) -> NATS -> bridge (in) -> bus B, until B's listener copied it;
//   durable  the same through JetStream (file storage, --durable), each message acknowledged after B's broadcast.
// Each bridged path contains two local broadcasts (A's to the bridge, B's to the listener) and the NATS hop,
// so it cannot be faster than either. The latency rounds interleave the four paths (one message on each in
// turn), so that the machine's noise falls on all of them alike; bridges use the command's default buffers.
//
//   dotnet run -c Release --project bench/LibBus.BridgeBench -- [ROUNDS [MESSAGES]] [--out FILE] [--bus-exe BUS]
//
// ROUNDS (default 2000): messages one at a time on each path, for p50/p99 (a tenth more first, not counted).
// MESSAGES (default 20000): back-to-back messages on each path, for msg/s (until the last one arrived), sent in
//   five slices with the paths in turn.
// --out FILE: also append the results as markdown table rows (for bench/run-all.sh's report).
// --bus-exe BUS: also measure the resident memory of `BUS bridge --direction in` behind a stopped
//   `BUS listen` while 300 messages of 1 MiB and 3,000 of 2,000 bytes arrive.
// Every bus it makes is removed, and logged in $LIBBUS_BENCH_KEYLOG if set; nats-server is stopped by its pid.
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using LibBus;
using LibBus.Nats;
using NATS.Client.Core;

var positional = new List<string>();
string? outFile = null, busExe = null;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--out": outFile = args[++i]; break;
        case "--bus-exe": busExe = args[++i]; break;
        default: positional.Add(args[i]); break;
    }
}
int rounds = positional.Count > 0 ? int.Parse(positional[0], CultureInfo.InvariantCulture) : 2000;
int messages = positional.Count > 1 ? int.Parse(positional[1], CultureInfo.InvariantCulture) : 20000;
string server = new[] { "/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server" }.FirstOrDefault(File.Exists)
    ?? throw new InvalidOperationException("nats-server is not installed (apt-get install nats-server)");
string store = Directory.CreateTempSubdirectory("bridge-bench-js-").FullName;
string dir = Directory.CreateTempSubdirectory("bridge-bench-").FullName;
int port = FreePort();
var natsInfo = new ProcessStartInfo(server, ["-a", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-js", "-sd", store])
{ RedirectStandardError = true, RedirectStandardOutput = true };
using var nats = Process.Start(natsInfo)!;
nats.OutputDataReceived += (_, _) => { };
nats.ErrorDataReceived += (_, _) => { };
nats.BeginOutputReadLine();
nats.BeginErrorReadLine();
var buses = new List<string>();
var output = new StringBuilder();
var disposables = new Stack<IAsyncDisposable>();
try
{
    WaitUntilAccepting(port);
    string url = $"nats://127.0.0.1:{port}";
    string load = File.ReadAllText("/proc/loadavg").Trim();
    Console.WriteLine($"{Environment.ProcessorCount} cores; load average {load}; {rounds} rounds, {messages} messages");
    string NewBus(string name)
    {
        string path = Bus.Create(Path.Combine(dir, name));
        buses.Add(path);
        if (Environment.GetEnvironmentVariable("LIBBUS_BENCH_KEYLOG") is { Length: > 0 } log)
        {
            string[] keys = File.ReadAllText(path).Split('\n');
            File.AppendAllText(log, $"sem {keys[0]}\nshm {keys[1]}\n");
        }
        return path;
    }

    // ---- the four paths, all set up at once ----
    var paths = new List<BenchPath>();
    string local = NewBus("local");
    paths.Add(new BusPath("local (one bus)", local, new Receiver(local), () => 0));

    var natsSend = new NatsConnection(NatsOpts.Default with { Url = url, Name = "bench raw sender" });
    var natsReceive = new NatsConnection(NatsOpts.Default with { Url = url, Name = "bench raw receiver" });
    disposables.Push(natsSend);
    disposables.Push(natsReceive);
    paths.Add(await NatsPath.StartAsync("NATS, two plain clients (floor)", natsSend, natsReceive));

    foreach (string? durable in new string?[] { null, "bench" })
    {
        string name = durable is null ? "plain" : "durable";
        string a = NewBus(name + "-a"), b = NewBus(name + "-b");
        var busA = Bus.Open(a);
        var busB = Bus.Open(b);
        var connA = new NatsConnection(NatsOpts.Default with { Url = url, Name = $"bench {name} a" });
        var connB = new NatsConnection(NatsOpts.Default with { Url = url, Name = $"bench {name} b" });
        disposables.Push(connA);
        disposables.Push(connB);
        // The command's defaults: out buffer 4,096 (BusBridgeOptions.BufferCapacity), in side as it comes.
        var bridgeA = new BusBridge(busA, connA, new BusBridgeOptions { Subject = "bench." + name, Direction = BridgeDirection.Out, Durable = durable is null ? null : durable + "-a" });
        var bridgeB = new BusBridge(busB, connB, new BusBridgeOptions { Subject = "bench." + name, Direction = BridgeDirection.In, Durable = durable is null ? null : durable + "-b" });
        var stop = new CancellationTokenSource();
        Task runA = bridgeA.RunAsync(stop.Token), runB = bridgeB.RunAsync(stop.Token);
        await Task.WhenAll(bridgeA.Ready, bridgeB.Ready).WaitAsync(TimeSpan.FromSeconds(60));
        disposables.Push(new Stopper(async () =>
        {
            await stop.CancelAsync();
            try { await Task.WhenAll(runA, runB).WaitAsync(TimeSpan.FromSeconds(30)); }
            catch (OperationCanceledException) { }
            bridgeA.Dispose();
            bridgeB.Dispose();
            busA.Dispose();
            busB.Dispose();
        }));
        var receiver = new Receiver(b);
        paths.Add(new BusPath(durable is null ? "bridged, plain NATS" : "bridged, --durable (JetStream, file storage)", a, receiver,
            () => bridgeA.Counters.Dropped + bridgeB.Counters.Dropped, () => $"a {bridgeA.Counters}; b {bridgeB.Counters}"));
    }
    foreach (BenchPath path in paths) disposables.Push(path);

    // ---- latency: one message at a time, the paths in turn ----
    var latencies = paths.ToDictionary(p => p, _ => new List<double>(rounds));
    for (int i = -rounds / 10; i < rounds; i++)
    {
        foreach (BenchPath path in paths)
        {
            double us = path.OneMessage(TimeSpan.FromSeconds(30));
            if (i >= 0) latencies[path].Add(us);
        }
    }

    // ---- throughput: back-to-back, in five slices per path, the paths in turn (the noise again falls on all) ----
    const int Slices = 5;
    var sums = paths.ToDictionary(p => p, _ => (Seconds: 0.0, Arrived: 0L, Dropped: 0L));
    for (int slice = 0; slice < Slices; slice++)
    {
        foreach (BenchPath path in paths)
        {
            int count = messages / Slices + (slice < messages % Slices ? 1 : 0);
            (double seconds, long arrived, long dropped) = path.Throughput(count, TimeSpan.FromSeconds(120));
            var sum = sums[path];
            sums[path] = (sum.Seconds + seconds, sum.Arrived + arrived, sum.Dropped + dropped);
        }
    }
    var table = new List<(string Path, double P50, double P99, double Rate, long Arrived, long Dropped, string Counters)>();
    foreach (BenchPath path in paths)
    {
        double[] sorted = [.. latencies[path].Order()];
        var sum = sums[path];
        table.Add((path.Name, Percentile(sorted, 0.50), Percentile(sorted, 0.99), sum.Arrived / sum.Seconds, sum.Arrived, sum.Dropped, path.Counters()));
    }
    foreach (var row in table)
    {
        Console.WriteLine($"{row.Path}: latency p50 {row.P50:0} us, p99 {row.P99:0} us ({rounds} one at a time); {row.Rate:0} msg/s " +
                          $"({row.Arrived} of {messages} arrived, {row.Dropped} dropped){(row.Counters.Length > 0 ? "; counters " + row.Counters : "")}");
        output.Append(CultureInfo.InvariantCulture, $"| {row.Path} | {row.P50:0} | {row.P99:0} | {row.Rate:0} | {row.Arrived} of {messages} | {row.Dropped} |\n");
    }
    // The checks the figures must pass to be the same measurement: p99 >= p50; a bridged path contains a local broadcast on
    // each side and the NATS hop, so it is never faster than the local path (nor the NATS floor) at p50 or p99.
    var checks = new List<string>();
    foreach (var row in table.Where(r => r.P99 < r.P50)) checks.Add($"{row.Path}: p99 below p50");
    foreach (var row in table.Skip(2))
        foreach (var floor in table.Take(2))
            foreach ((string what, double bridged, double under) in new[] { ("p50", row.P50, floor.P50), ("p99", row.P99, floor.P99) })
                if (bridged < under) checks.Add($"{row.Path}: {what} {bridged:0} us below {floor.Path}'s {under:0} us");
    foreach (var row in table.Skip(2).Where(r => r.Rate > table[0].Rate))
        checks.Add($"{row.Path}: {row.Rate:0} msg/s above the local path's {table[0].Rate:0}");
    string verdict = checks.Count == 0 ? "checks: each p99 >= its p50; each bridged path no faster than local and than the NATS floor (latency), nor than local (msg/s): met"
        : "checks NOT met (a disturbed run? run it again on a quiet machine): " + string.Join("; ", checks);
    Console.WriteLine(verdict);
    output.Append(CultureInfo.InvariantCulture, $"CHECK {verdict}\nRUN rounds={rounds} messages={messages} load_start=\"{load}\" load_end=\"{File.ReadAllText("/proc/loadavg").Trim()}\"\n");

    // ---- memory of `bus bridge` behind a stopped listener ----
    if (busExe is not null)
    {
        string line = await BridgeRss.MeasureAsync(busExe, NewBus("rss"), url, dir);
        Console.WriteLine(line);
        output.Append(line).Append('\n');
    }
    if (outFile is not null) File.AppendAllText(outFile, output.ToString());
}
finally
{
    while (disposables.Count > 0)
    {
        try { await disposables.Pop().DisposeAsync(); }
        catch (Exception e) { Console.Error.WriteLine($"bridge-bench: cleanup: {e.Message}"); }
    }
    foreach (string bus in buses)
    {
        try { Bus.Remove(bus); }
        catch (BusException) { }
    }
    nats.Kill();
    nats.WaitForExit();
    Directory.Delete(store, true);
    Directory.Delete(dir, true);
}

static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Max(0, (int)Math.Ceiling(p * sorted.Length) - 1)];

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}

static void WaitUntilAccepting(int port)
{
    var clock = Stopwatch.StartNew();
    while (true)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return;
        }
        catch (SocketException) when (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            Thread.Sleep(50);
        }
    }
}

/// <summary>One path a message can take: send one, and count what arrived at its far end.</summary>
abstract class BenchPath(string name) : IAsyncDisposable
{
    public string Name { get; } = name;

    protected abstract long Arrived { get; }

    protected abstract void Send(int i);

    /// <summary>Messages lost on the way, as the path counts them (the bridges' dropped counters).</summary>
    protected virtual long Dropped => 0;

    public virtual string Counters() => "";

    /// <summary>Sends one message; the microseconds until it arrived.</summary>
    public double OneMessage(TimeSpan timeout)
    {
        long before = Arrived;
        long start = Stopwatch.GetTimestamp();
        Send(0);
        if (!WaitFor(before + 1, timeout)) throw new TimeoutException($"{Name}: a message did not arrive within {timeout.TotalSeconds} s");
        return Stopwatch.GetElapsedTime(start).TotalMicroseconds;
    }

    /// <summary>Sends <paramref name="messages"/> back to back; the seconds until the last one arrived (or the rest were counted dropped).</summary>
    public (double Seconds, long Arrived, long Dropped) Throughput(int messages, TimeSpan timeout)
    {
        long first = Arrived, droppedBefore = Dropped;
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < messages; i++) Send(i);
        var clock = Stopwatch.StartNew();
        long last = Arrived;
        TimeSpan lastChange = TimeSpan.Zero;
        long arrivedAt = Stopwatch.GetTimestamp();
        // Until all arrived or were counted dropped; or nothing moved for 10 s (lost without a count).
        while (Arrived - first + (Dropped - droppedBefore) < messages && clock.Elapsed < timeout && clock.Elapsed - lastChange < TimeSpan.FromSeconds(10))
        {
            Thread.Sleep(1);
            if (Arrived != last)
            {
                last = Arrived;
                lastChange = clock.Elapsed;
                arrivedAt = Stopwatch.GetTimestamp();
            }
        }
        if (Arrived != last) arrivedAt = Stopwatch.GetTimestamp();
        long arrived = Arrived - first;
        return (Stopwatch.GetElapsedTime(start, arrivedAt).TotalSeconds, arrived, Dropped - droppedBefore);
    }

    private bool WaitFor(long count, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        var spinner = new SpinWait();
        while (Arrived < count)
        {
            if (clock.Elapsed > timeout) return false;
            spinner.SpinOnce(sleep1Threshold: -1);
        }
        return true;
    }

    public abstract ValueTask DisposeAsync();
}

/// <summary>A broadcast on one bus (the local path, or the near end of a bridged one) until a listener of <see cref="Receiver"/>'s bus copied it.</summary>
sealed class BusPath(string name, string sendPath, Receiver receiver, Func<long> dropped, Func<string>? counters = null) : BenchPath(name)
{
    private readonly Bus _sender = Bus.Open(sendPath);

    protected override long Arrived => receiver.Count;
    protected override long Dropped => dropped();
    public override string Counters() => counters?.Invoke() ?? "";

    protected override void Send(int i) => _sender.Broadcast(i == 0 ? "0 ping" : "0 message number " + i.ToString(CultureInfo.InvariantCulture));

    public override ValueTask DisposeAsync()
    {
        receiver.Dispose();
        _sender.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>A publish of one plain NATS client until another one, subscribed on the same server, received it.</summary>
sealed class NatsPath : BenchPath
{
    private readonly NatsConnection _send;
    private readonly INatsSub<byte[]> _subscription;
    private readonly Task _receiving;
    private long _count;

    private NatsPath(string name, NatsConnection send, INatsSub<byte[]> subscription) : base(name)
    {
        _send = send;
        _subscription = subscription;
        _receiving = Task.Run(async () =>
        {
            await foreach (NatsMsg<byte[]> _ in subscription.Msgs.ReadAllAsync()) Interlocked.Increment(ref _count);
        });
    }

    public static async Task<NatsPath> StartAsync(string name, NatsConnection send, NatsConnection receive)
    {
        // Waits rather than drops when the reader falls behind, so that every message arrives.
        INatsSub<byte[]> subscription = await receive.SubscribeCoreAsync<byte[]>("bench.nats",
            opts: new NatsSubOpts { ChannelOpts = new NatsSubChannelOpts { Capacity = 1024, FullMode = BoundedChannelFullMode.Wait } });
        await receive.PingAsync();
        await send.ConnectAsync();
        return new NatsPath(name, send, subscription);
    }

    protected override long Arrived => Interlocked.Read(ref _count);

    protected override void Send(int i)
    {
        ValueTask sent = _send.PublishAsync("bench.nats", Encoding.ASCII.GetBytes(i == 0 ? "0 ping" : "0 message number " + i.ToString(CultureInfo.InvariantCulture)));
        if (!sent.IsCompletedSuccessfully) sent.AsTask().GetAwaiter().GetResult();
    }

    public override async ValueTask DisposeAsync()
    {
        await _subscription.UnsubscribeAsync();
        await _receiving.WaitAsync(TimeSpan.FromSeconds(10));
        await _subscription.DisposeAsync();
    }
}

/// <summary>Disposal by a function.</summary>
sealed class Stopper(Func<Task> stop) : IAsyncDisposable
{
    public async ValueTask DisposeAsync() => await stop();
}

/// <summary>A listener on its own thread that counts what it copies.</summary>
sealed class Receiver : IDisposable
{
    private readonly Bus _bus;
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private long _count;

    public Receiver(string path)
    {
        _bus = Bus.Open(path, BusAccess.Listen);
        using var joined = new ManualResetEventSlim();
        _thread = new Thread(() =>
        {
            try
            {
                _bus.ListenBytes(_ =>
                {
                    Interlocked.Increment(ref _count);
                    return true;
                }, joined.Set, _stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
        });
        _thread.Start();
        joined.Wait();
    }

    public long Count => Interlocked.Read(ref _count);

    public void Dispose()
    {
        _stop.Cancel();
        _thread.Join();
        _bus.Dispose();
    }
}

/// <summary>
/// Resident memory of <c>bus bridge PATH --direction in</c> (plain) while its bus's only listener is stopped
/// (SIGSTOP) and 300 messages of 1 MiB (rejected) and 3,000 of 2,000 bytes (one broadcast waits, up to 1,024
/// wait, the rest are dropped by NATS) arrive: as CliTests' memory test, measured rather than bounded.
/// </summary>
static class BridgeRss
{
    public static async Task<string> MeasureAsync(string bus, string path, string url, string dir)
    {
        string listenReady = Path.Combine(dir, "rss-listen-ready"), bridgeReady = Path.Combine(dir, "rss-bridge-ready");
        using Process listener = Start(bus, ["listen", path, "--ready-file", listenReady]);
        using Process bridge = Start(bus, ["bridge", path, "--server", url, "--subject", "bench.rss", "--direction", "in", "--ready-file", bridgeReady]);
        try
        {
            WaitForFile(listenReady, listener);
            WaitForFile(bridgeReady, bridge);
            Thread.Sleep(1000);
            long idle = Kib(bridge.Id, "VmRSS");
            Signal(listener.Id, "STOP");
            var clock = Stopwatch.StartNew();
            await using (var peer = new NatsConnection(NatsOpts.Default with { Url = url, Name = "bench rss peer" }))
            {
                byte[] big = new byte[1 << 20], small = new byte[2000];
                Array.Fill(small, (byte)'x');
                for (int i = 0; i < 300; i++) await peer.PublishAsync("bench.rss", big);
                for (int i = 0; i < 3000; i++) await peer.PublishAsync("bench.rss", small);
                await peer.PingAsync();
            }
            // Let the bridge read what the server has for it, sampling its resident memory meanwhile.
            long busy = 0;
            for (int i = 0; i < 30; i++)
            {
                Thread.Sleep(100);
                busy = Math.Max(busy, Kib(bridge.Id, "VmRSS"));
            }
            double seconds = clock.Elapsed.TotalSeconds;
            // The kernel folds per-thread RSS counts in lazily: VmHWM may lag a VmRSS just read.
            long peak = Math.Max(Kib(bridge.Id, "VmHWM"), busy);
            return $"| `bus bridge --direction in` (plain), its listener stopped | 300 × 1 MiB + 3,000 × 2,000 B in {seconds:0.0} s | {idle / 1024.0:0.0} MiB | {busy / 1024.0:0.0} MiB | {peak / 1024.0:0.0} MiB |";
        }
        finally
        {
            Signal(listener.Id, "CONT");
            Signal(bridge.Id, "TERM");
            Signal(listener.Id, "TERM");
            if (!bridge.WaitForExit(TimeSpan.FromSeconds(30))) bridge.Kill();
            if (!listener.WaitForExit(TimeSpan.FromSeconds(30))) listener.Kill();
        }
    }

    private static Process Start(string exe, string[] arguments)
    {
        var info = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments) info.ArgumentList.Add(argument);
        Process process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 }) Console.Error.WriteLine($"bridge-bench: {Path.GetFileName(exe)} {arguments[0]}: {e.Data}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static void WaitForFile(string file, Process process)
    {
        var clock = Stopwatch.StartNew();
        while (!File.Exists(file))
        {
            if (process.HasExited) throw new InvalidOperationException($"{process.StartInfo.FileName} {process.StartInfo.ArgumentList[0]} exited with {process.ExitCode}");
            if (clock.Elapsed > TimeSpan.FromSeconds(60)) throw new TimeoutException($"no {file} within 60 s");
            Thread.Sleep(20);
        }
    }

    private static long Kib(int pid, string field)
        => long.Parse(File.ReadAllLines($"/proc/{pid}/status").Single(l => l.StartsWith(field + ":", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);

    private static void Signal(int pid, string signal)
    {
        using Process kill = Process.Start("kill", ["-" + signal, pid.ToString(CultureInfo.InvariantCulture)])!;
        kill.WaitForExit(TimeSpan.FromSeconds(10));
    }
}
