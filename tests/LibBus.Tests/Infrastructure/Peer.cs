namespace LibBus.Tests.Infrastructure;

/// <summary>
/// A test peer (the LibBus test peer, the C peer, strace, a shell) as a <see cref="ChildProcess"/>:
/// in a process group of its own, stdout and stderr lines collected as they come, every wait
/// with a timeout, the group killed on Dispose.
/// </summary>
public sealed class Peer : ChildProcess
{
    public Peer(string fileName, IEnumerable<string> arguments, bool redirectStdin = false)
        : base(fileName, arguments, redirectStdin: redirectStdin)
    {
    }

    /// <summary>The LibBus test peer (tests/LibBus.TestPeer).</summary>
    public static Peer Dotnet(params string[] arguments)
        => new("dotnet", [Path.Combine(AppContext.BaseDirectory, "LibBus.TestPeer.dll"), .. arguments], redirectStdin: arguments[0] == "broadcast-lines");

    /// <summary>The C reference peer (tests/LibBus.Tests/Peers/cpeer.c).</summary>
    public static Peer C(params string[] arguments) => new(CPeer.Path, arguments);
}
