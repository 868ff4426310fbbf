namespace LibBus.Tests.Infrastructure;

/// <summary>
/// Runs the LibBus test peer as another user (see <see cref="AsNobody"/>), for permission
/// tests. Needs root.
/// </summary>
public static class OtherUser
{
    /// <summary>A directory holding LibBus.TestPeer.dll and its dependencies that nobody can read (made once).</summary>
    private static readonly Lazy<string> PeerDirectory = new(() => AsNobody.ReadableDirectory(AppContext.BaseDirectory, "libbus-peer"));

    /// <summary>The test peer (<see cref="Peer.Dotnet"/>) run as nobody:nogroup with no supplementary groups.</summary>
    public static Peer Nobody(params string[] arguments)
        => new("setpriv", [.. AsNobody.SetprivOptions, "dotnet", Path.Combine(PeerDirectory.Value, "LibBus.TestPeer.dll"), .. arguments]);
}
