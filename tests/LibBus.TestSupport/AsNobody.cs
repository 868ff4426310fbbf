namespace LibBus.TestSupport;

/// <summary>
/// What both test projects need to run a program as another user: nobody:nogroup (65534),
/// with no supplementary groups, through <c>setpriv</c>. Needs root.
/// </summary>
public static class AsNobody
{
    public const uint Uid = 65534;
    public const uint Gid = 65534;

    public static bool IsRoot => Environment.IsPrivilegedProcess;

    /// <summary>The options of <c>setpriv</c> that drop to nobody; the program and its arguments follow.</summary>
    public static string[] SetprivOptions => [$"--reuid={Uid}", $"--regid={Gid}", "--clear-groups"];

    /// <summary>chmod 0755 on a directory, so that nobody can reach the files in it.</summary>
    public static void MakeSearchable(string directory)
        => File.SetUnixFileMode(directory, (UnixFileMode)Convert.ToInt32("755", 8));

    /// <summary>
    /// <paramref name="directory"/> itself if nobody can reach it and read everything under it;
    /// else a world-readable copy in /tmp named after <paramref name="copyPrefix"/> and this
    /// process, removed when the process exits.
    /// </summary>
    public static string ReadableDirectory(string directory, string copyPrefix)
    {
        directory = Path.TrimEndingDirectorySeparator(directory);
        if (ReadableByOthers(directory)) return directory;

        string copy = Path.Combine(Path.GetTempPath(), $"{copyPrefix}-{Environment.ProcessId}");
        CopyReadable(directory, copy);
        for (string? d = copy; d is not null && d != "/"; d = Path.GetDirectoryName(d))
            if (!SearchableByOthers(d)) throw new Xunit.Sdk.XunitException($"{d}: not searchable by others; cannot run a program as nobody");
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
        MakeSearchable(to);
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

/// <summary>A fact that needs root (to run a program as another user, or to give objects away); skipped otherwise.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!AsNobody.IsRoot) Skip = "needs root: runs a program as another user or changes owners";
    }
}

/// <summary>A theory that needs root; skipped otherwise.</summary>
public sealed class RootTheoryAttribute : TheoryAttribute
{
    public RootTheoryAttribute()
    {
        if (!AsNobody.IsRoot) Skip = "needs root: runs a program as another user or changes owners";
    }
}
