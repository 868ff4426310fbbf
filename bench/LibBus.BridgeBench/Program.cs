// Node-to-node figures through `BusBridge`: two buses of one IPC namespace (two "nodes"), a
// nats-server on 127.0.0.1 started here, and for comparison the same measurement on one bus.
//   dotnet run -c Release --project bench/LibBus.BridgeBench [-- ROUNDS MESSAGES]
// Prints latency p50/p99 (broadcast on one bus until a listener of the other copied it, one
// message at a time) and messages/s (back-to-back broadcasts until the last one arrived).
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using LibBus;
using LibBus.Nats;
using NATS.Client.Core;

int rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2000;
int messages = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20000;
string server = new[] { "/usr/sbin/nats-server", "/usr/bin/nats-server" }.FirstOrDefault(File.Exists)
    ?? throw new InvalidOperationException("nats-server is not installed (apt-get install nats-server)");
string store = Directory.CreateTempSubdirectory("bridge-bench-js-").FullName;
string dir = Directory.CreateTempSubdirectory("bridge-bench-").FullName;
int port = FreePort();
using var nats = Process.Start(new ProcessStartInfo(server, ["-a", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-js", "-sd", store])
{ RedirectStandardError = true, RedirectStandardOutput = true })!;
try
{
    Thread.Sleep(500);
    string url = $"nats://127.0.0.1:{port}";
    Console.WriteLine($"{Environment.ProcessorCount} cores; load average {File.ReadAllText("/proc/loadavg").Trim()}");

    string a = Bus.Create(Path.Combine(dir, "a")), b = Bus.Create(Path.Combine(dir, "b"));
    using (var local = new Receiver(a))
    using (Bus sender = Bus.Open(a))
        Report("local (one bus)", local, sender, rounds, messages);
    foreach (string? durable in new string?[] { null, "bench" })
    {
        using Bus busA = Bus.Open(a), busB = Bus.Open(b);
        await using var natsA = new NatsConnection(new NatsOpts { Url = url });
        await using var natsB = new NatsConnection(new NatsOpts { Url = url });
        using var bridgeA = new BusBridge(busA, natsA, new BusBridgeOptions { Subject = "bench", Direction = BridgeDirection.Out, Durable = durable is null ? null : durable + "-a", BufferCapacity = messages });
        using var bridgeB = new BusBridge(busB, natsB, new BusBridgeOptions { Subject = "bench", Direction = BridgeDirection.In, Durable = durable is null ? null : durable + "-b" });
        using var stop = new CancellationTokenSource();
        Task runA = bridgeA.RunAsync(stop.Token), runB = bridgeB.RunAsync(stop.Token);
        await Task.WhenAll(bridgeA.Ready, bridgeB.Ready).WaitAsync(TimeSpan.FromSeconds(30));
        using (var remote = new Receiver(b))
            Report(durable is null ? "bridged, plain NATS" : "bridged, durable (JetStream)", remote, busA, rounds, messages);
        Console.WriteLine($"  counters: a {bridgeA.Counters}; b {bridgeB.Counters}");
        stop.Cancel();
        try { await Task.WhenAll(runA, runB); } catch (OperationCanceledException) { }
    }
    Bus.Remove(a);
    Bus.Remove(b);
}
finally
{
    nats.Kill();
    nats.WaitForExit();
    Directory.Delete(store, true);
    Directory.Delete(dir, true);
}

static void Report(string what, Receiver receiver, Bus sender, int rounds, int messages)
{
    var latencies = new double[rounds];
    for (int i = -rounds / 10; i < rounds; i++)
    {
        long before = receiver.Count;
        long start = Stopwatch.GetTimestamp();
        sender.Broadcast("0 ping");
        receiver.WaitFor(before + 1);
        if (i >= 0) latencies[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
    }
    Array.Sort(latencies);
    long first = receiver.Count;
    var clock = Stopwatch.StartNew();
    for (int i = 0; i < messages; i++) sender.Broadcast("0 message number " + i.ToString(CultureInfo.InvariantCulture));
    bool all = receiver.WaitFor(first + messages, TimeSpan.FromSeconds(120));
    double seconds = clock.Elapsed.TotalSeconds;
    Console.WriteLine($"{what}: latency p50 {latencies[rounds / 2]:0} us, p99 {latencies[rounds * 99 / 100]:0} us ({rounds} messages one at a time); " +
                      $"{(receiver.Count - first) / seconds:0} msg/s ({receiver.Count - first} of {messages} arrived{(all ? "" : ", the rest lost or late")})");
}

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
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

    public bool WaitFor(long count, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        var spinner = new SpinWait();
        while (Count < count)
        {
            if (clock.Elapsed > (timeout ?? TimeSpan.FromSeconds(30))) return false;
            spinner.SpinOnce(sleep1Threshold: -1);
        }
        return true;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _thread.Join();
        _bus.Dispose();
    }
}
