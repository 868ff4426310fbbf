using System.Net;
using System.Net.Sockets;

namespace LibBus.Nats.Tests.Infrastructure;

/// <summary>
/// A real <c>nats-server</c> on 127.0.0.1 and a random free port, optionally with JetStream
/// (its store in a temporary directory) and in a cluster. Stopped by its pid; Dispose kills it
/// and deletes the store.
/// </summary>
public sealed class NatsServer : IDisposable
{
    private readonly string[] _arguments;
    private readonly string? _store;
    private ChildProcess? _process;

    /// <summary>The nats-server executable, or null if it is not installed.</summary>
    public static string? Binary { get; } = new[] { "/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server" }
        .Concat((Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Select(d => Path.Combine(d, "nats-server")))
        .FirstOrDefault(File.Exists);

    public const string MissingMessage = "nats-server is not installed (Debian: apt-get install nats-server; .ci/run installs it)";

    private NatsServer(int port, string[] arguments, string? store)
    {
        Port = port;
        _arguments = arguments;
        _store = store;
    }

    public int Port { get; }
    public string Url => $"nats://127.0.0.1:{Port}";
    public int Pid => _process?.Pid ?? 0;

    /// <param name="jetStream">Enable JetStream, its store in a new temporary directory.</param>
    /// <param name="extra">More nats-server options (credentials, cluster).</param>
    public static NatsServer Start(bool jetStream = false, params string[] extra)
        => Start(FreePort(), jetStream, extra);

    public static NatsServer Start(int port, bool jetStream, params string[] extra)
    {
        string? store = jetStream ? Directory.CreateTempSubdirectory("libbus-nats-js-").FullName : null;
        var arguments = new List<string> { "-a", "127.0.0.1", "-p", port.ToString() };
        if (store is not null) arguments.AddRange(["-js", "-sd", store]);
        arguments.AddRange(extra);
        var server = new NatsServer(port, [.. arguments], store);
        server.Restart();
        return server;
    }

    /// <summary>
    /// Three servers in one cluster, all with JetStream, routed to each other on 127.0.0.1.
    /// </summary>
    public static NatsServer[] StartCluster(int size = 3)
    {
        int[] ports = Enumerable.Range(0, size).Select(_ => FreePort()).ToArray();
        int[] routePorts = Enumerable.Range(0, size).Select(_ => FreePort()).ToArray();
        string routes = string.Join(',', routePorts.Select(p => $"nats://127.0.0.1:{p}"));
        var servers = new NatsServer[size];
        for (int i = 0; i < size; i++)
            servers[i] = Start(ports[i], jetStream: true,
                "-n", $"n{i}", "--cluster_name", "libbus-test", "--cluster", $"nats://127.0.0.1:{routePorts[i]}", "--routes", routes);
        return servers;
    }

    /// <summary>Starts the server (again, same port and store) and waits until it accepts connections.</summary>
    public void Restart()
    {
        if (Binary is null) throw new InvalidOperationException(MissingMessage);
        if (_process is { HasExited: false }) throw new InvalidOperationException("already running");
        _process?.Dispose();
        _process = new ChildProcess(Binary, _arguments, redirectStdin: false);
        Eventually.True(() => _process.HasExited || Accepts(Port), $"nats-server to accept connections on port {Port}", TimeSpan.FromSeconds(30));
        if (_process.HasExited) throw new InvalidOperationException($"nats-server {string.Join(' ', _arguments)} exited with {_process.ExitCode}: {_process.StderrText}");
    }

    /// <summary>Kills the server (SIGKILL by pid) and reaps it.</summary>
    public void Kill()
    {
        if (_process is null || _process.HasExited) return;
        _process.Signal(Proc.SIGKILL);
        if (!_process.TryWaitForExit(TimeSpan.FromSeconds(20))) throw new InvalidOperationException($"nats-server {_process.Id} did not die");
    }

    public void Dispose()
    {
        Kill();
        _process?.Dispose();
        if (_store is not null)
        {
            try { Directory.Delete(_store, recursive: true); }
            catch (IOException) { }
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static bool Accepts(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

/// <summary>A test that needs nats-server: skipped, saying why, where it is not installed.</summary>
public sealed class NatsFactAttribute : FactAttribute
{
    public NatsFactAttribute()
    {
        if (NatsServer.Binary is null) Skip = NatsServer.MissingMessage;
    }
}

/// <summary>A test that needs nats-server and, to give each node its own IPC namespace, root and unshare.</summary>
public sealed class NatsNodesFactAttribute : FactAttribute
{
    public NatsNodesFactAttribute()
    {
        if (NatsServer.Binary is null) Skip = NatsServer.MissingMessage;
        else if (Environment.UserName != "root" || !File.Exists("/usr/bin/unshare")) Skip = "needs root and unshare (util-linux) for a private IPC namespace per node";
    }
}
