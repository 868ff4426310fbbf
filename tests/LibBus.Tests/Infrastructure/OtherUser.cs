using Mono.Unix.Native;

namespace LibBus.Tests.Infrastructure;

/// <summary>
/// Runs the LibBus test peer as another user (nobody, 65534) through
/// <c>setpriv</c>, for permission tests. Needs root.
/// </summary>
public static class OtherUser
{
    public const uint NobodyUid = 65534;
    public const uint NobodyGid = 65534;

    public static bool IsRoot => Syscall.geteuid() == 0;

    /// <summary>
    /// A directory holding LibBus.TestPeer.dll and its dependencies that nobody can
    /// read: the test output directory if every ancestor is searchable and every
    /// file readable by others, else a world-readable copy in /tmp (made once).
    /// </summary>
    private static readonly Lazy<string> PeerDirectory = new(FindOrCopyPeerDirectory);

    /// <summary>The test peer (<see cref="Peer.Dotnet"/>) run as nobody:nogroup with no supplementary groups.</summary>
    public static Peer Nobody(params string[] arguments)
        => new("setpriv",
            [$"--reuid={NobodyUid}", $"--regid={NobodyGid}", "--clear-groups",
             "dotnet", Path.Combine(PeerDirectory.Value, "LibBus.TestPeer.dll"), .. arguments]);

    /// <summary>chmod 0755 on a directory, so that nobody can reach the key files in it.</summary>
    public static void MakeSearchable(string directory)
        => File.SetUnixFileMode(directory, (UnixFileMode)Convert.ToInt32("755", 8));

    private static string FindOrCopyPeerDirectory()
    {
        string directory = Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory);
        if (ReadableByOthers(directory)) return directory;

        string copy = Path.Combine(Path.GetTempPath(), $"libbus-peer-{Environment.ProcessId}");
        CopyReadable(directory, copy);
        for (string? d = copy; d is not null && d != "/"; d = Path.GetDirectoryName(d))
            if (!SearchableByOthers(d)) throw new Xunit.Sdk.XunitException($"{d}: not searchable by others; cannot run a peer as nobody");
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(copy, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
        return copy;
    }

    private static bool ReadableByOthers(string directory)
    {
        for (string? d = directory; d is not null; d = Path.GetDirectoryName(d))
            if (!SearchableByOthers(d)) return false;
        return Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
                   .All(f => (File.GetUnixFileMode(f) & UnixFileMode.OtherRead) != 0)
               && Directory.EnumerateDirectories(directory, "*", SearchOption.AllDirectories).All(SearchableByOthers);
    }

    private static bool SearchableByOthers(string directory)
        => (File.GetUnixFileMode(directory) & UnixFileMode.OtherExecute) != 0;

    private static void CopyReadable(string from, string to)
    {
        Directory.CreateDirectory(to);
        File.SetUnixFileMode(to, (UnixFileMode)Convert.ToInt32("755", 8));
        foreach (string file in Directory.EnumerateFiles(from))
        {
            string target = Path.Combine(to, Path.GetFileName(file));
            File.Copy(file, target, overwrite: true);
            File.SetUnixFileMode(target, File.GetUnixFileMode(target) | UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }
        foreach (string sub in Directory.EnumerateDirectories(from))
            CopyReadable(sub, Path.Combine(to, Path.GetFileName(sub)));
    }
}

/// <summary>A fact that needs root (to run peers as another user, or to give objects away); skipped otherwise.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!OtherUser.IsRoot) Skip = "needs root: runs a peer as another user or changes owners";
    }
}

/// <summary>A theory that needs root; skipped otherwise.</summary>
public sealed class RootTheoryAttribute : TheoryAttribute
{
    public RootTheoryAttribute()
    {
        if (!OtherUser.IsRoot) Skip = "needs root: runs a peer as another user or changes owners";
    }
}
