using LibBus.TestSupport;
using NATS.Client.Core;

namespace LibBus.Nats.Tests.Infrastructure;

/// <summary>
/// One "machine" inside the test process: its own bus (in its own temporary directory), a
/// listener that records every message it copies, and a <see cref="BusBridge"/> to NATS.
/// Two nodes share the IPC namespace but not a bus, so only the bridge can carry a message
/// from one to the other. Dispose stops everything and removes the bus.
/// </summary>
internal sealed class Node : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("libbus-nats-node-").FullName;
    private readonly Bus _bus;
    private readonly List<string> _received = [];
    private readonly CancellationTokenSource _stopListener = new();
    private readonly ManualResetEventSlim _running = new(initialState: true);
    private readonly Thread _listener;
    private NatsConnection? _connection;
    private CancellationTokenSource? _stopBridge;

    /// <param name="scope">The test's leak check, told of this node's bus.</param>
    public Node(string name, IpcScope scope)
    {
        Name = name;
        Path = Bus.Create(System.IO.Path.Combine(_directory, "bus"), exclusive: true);
        scope.AddKeyFile(Path);
        _bus = Bus.Open(Path);
        var listening = new ManualResetEventSlim();
        _listener = new Thread(() =>
        {
            try
            {
                _bus.Listen(message =>
                {
                    lock (_received) _received.Add(message.Text);
                    // Paused: hold the message unacknowledged, as a stopped listener process would.
                    _running.Wait(_stopListener.Token);
                    return true;
                }, listening.Set, _stopListener.Token);
            }
            catch (OperationCanceledException)
            {
            }
            catch (BusRemovedException)
            {
            }
        })
        { IsBackground = true, Name = $"node {name} listener" };
        _listener.Start();
        if (!listening.Wait(TimeSpan.FromSeconds(20))) throw new InvalidOperationException($"node {name}: the listener did not join");
    }

    public string Name { get; }
    public string Path { get; }
    public Bus Bus => _bus;
    public BusBridge? Bridge { get; private set; }
    public Task? Running { get; private set; }

    /// <summary>What this node's listener copied, in order.</summary>
    public string[] Received
    {
        get { lock (_received) return [.. _received]; }
    }

    /// <summary>Starts a bridge to <paramref name="servers"/> and waits until it is ready.</summary>
    public BusBridge StartBridge(string servers, BusBridgeOptions options, NatsOpts? natsOptions = null, TimeSpan? readyWithin = null)
    {
        if (Bridge is not null) throw new InvalidOperationException("a bridge is already running");
        _connection = new NatsConnection((natsOptions ?? NatsOpts.Default) with
        {
            Url = servers,
            Name = $"test node {Name}",
            ReconnectWaitMin = TimeSpan.FromMilliseconds(50),
            ReconnectWaitMax = TimeSpan.FromMilliseconds(500),
            MaxReconnectRetry = -1,
        });
        Bridge = new BusBridge(_bus, _connection, options);
        _stopBridge = new CancellationTokenSource();
        Running = Bridge.RunAsync(_stopBridge.Token);
        Eventually.Done(Task.WhenAny(Bridge.Ready, Running), readyWithin ?? TimeSpan.FromSeconds(30), $"node {Name}: bridge ready");
        if (Running.IsCompleted) Running.GetAwaiter().GetResult();
        return Bridge;
    }

    /// <summary>Stops the bridge (as a signal would) and waits for it to end.</summary>
    public void StopBridge()
    {
        if (Bridge is null) return;
        _stopBridge!.Cancel();
        Eventually.Done(Task.WhenAny(Running!), TimeSpan.FromSeconds(30), $"node {Name}: bridge stop");
        // How it ended (cancelled, or a failure a test looks at through Running) is not this method's business.
        Bridge.Dispose();
        _connection!.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(20));
        Bridge = null;
        _stopBridge.Dispose();
    }

    public void Broadcast(string message) => _bus.Broadcast(message, TimeSpan.FromSeconds(30));

    /// <summary>From the next message on, the listener copies it and then holds it (broadcasts on this bus wait) until <see cref="Resume"/>.</summary>
    public void Pause() => _running.Reset();

    public void Resume() => _running.Set();

    /// <summary>Waits until the listener has copied at least <paramref name="count"/> messages.</summary>
    public string[] WaitForMessages(int count, TimeSpan? timeout = null)
    {
        Eventually.True(() => Received.Length >= count, $"node {Name}: {count} messages (has {Received.Length})", timeout ?? TimeSpan.FromSeconds(30));
        return Received;
    }

    public void Dispose()
    {
        StopBridge();
        _running.Set();
        _stopListener.Cancel();
        _listener.Join(TimeSpan.FromSeconds(20));
        _bus.Dispose();
        try { Bus.Remove(Path); }
        catch (BusException) { }
        Directory.Delete(_directory, recursive: true);
    }
}
