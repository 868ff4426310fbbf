namespace LibBus.Tests.Infrastructure;

/// <summary>
/// A test's temporary directory and the peers it started. Dispose kills the
/// peers, removes every bus whose key file is in the directory, deletes it, and
/// fails the test if an IPC object of the test is left behind (see <see cref="IpcScope"/>:
/// objects other programs make meanwhile are not the test's).
/// </summary>
public sealed class BusSandbox : IDisposable
{
    private readonly IpcScope _ipc = new();
    private readonly List<Peer> _peers = new();
    private readonly List<Bus> _handles = new();

    public BusSandbox()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("libbus-test-").FullName;
    }

    public string Directory { get; }

    /// <summary>A fresh path in the sandbox (no file yet).</summary>
    public string PathFor(string name) => Path.Combine(Directory, name);

    /// <summary>Creates a bus in the sandbox and returns its path.</summary>
    public string CreateBus(string name = "bus")
    {
        string path = Bus.Create(PathFor(name), exclusive: true);
        _ipc.AddKeyFile(path);
        return path;
    }

    /// <summary>Counts an IPC key the test made objects at as the test's (for the leak check).</summary>
    public void AddKey(int key) => _ipc.AddKey(key);

    /// <summary>Opens a handle that is disposed with the sandbox.</summary>
    public Bus Open(string path, BusAccess access = BusAccess.ListenAndBroadcast)
    {
        Bus bus = Bus.Open(path, access);
        _handles.Add(bus);
        return bus;
    }

    public Peer Track(Peer peer)
    {
        lock (_peers) _peers.Add(peer);
        _ipc.AddProcess(peer.Pid);
        return peer;
    }

    public Peer Dotnet(params string[] arguments) => Track(Peer.Dotnet(arguments));
    public Peer C(params string[] arguments) => Track(Peer.C(arguments));

    public void Dispose()
    {
        foreach (Peer peer in _peers) peer.Dispose();
        foreach (Bus bus in _handles) bus.Dispose();
        foreach (string file in System.IO.Directory.EnumerateFiles(Directory))
        {
            _ipc.AddKeyFile(file);
            try { Bus.Remove(file); }
            catch (BusException) { }
        }
        System.IO.Directory.Delete(Directory, recursive: true);
        string leaked = _ipc.DescribeLeaks();
        Assert.True(leaked.Length == 0, leaked);
    }
}
