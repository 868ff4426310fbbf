using Mono.Unix.Native;

namespace BusCli.Tests.Infrastructure;

/// <summary>
/// Runs the bus command as another user (nobody, 65534, no supplementary groups)
/// through <c>setpriv</c>. Needs root.
/// </summary>
public static class Nobody
{
    public const uint Uid = 65534;
    public const uint Gid = 65534;

    public static bool CanRun => Syscall.geteuid() == 0;

    /// <summary>The bus executable where nobody can run it: in place if readable, else a copy in /tmp (made once).</summary>
    private static readonly Lazy<string> Executable = new(FindOrCopy);

    /// <summary>A shell command line that runs <c>bus ARGUMENTS</c> as nobody.</summary>
    public static string Command(params string[] arguments)
        => $"exec setpriv --reuid={Uid} --regid={Gid} --clear-groups {Quote(Executable.Value)} {string.Join(' ', arguments.Select(Quote))}";

    /// <summary>Runs <c>bus ARGUMENTS</c> as nobody in <paramref name="sandbox"/> and returns the result.</summary>
    public static RunResult Run(CliSandbox sandbox, params string[] arguments)
    {
        using CliProcess process = sandbox.Shell(Command(arguments));
        process.Stdin.Close();
        return process.WaitForExit();
    }

    /// <summary>Lets nobody reach files in <paramref name="directory"/> (mode 0755).</summary>
    public static void MakeSearchable(string directory)
        => File.SetUnixFileMode(directory, (UnixFileMode)Convert.ToInt32("755", 8));

    public static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static string FindOrCopy()
    {
        string directory = Path.GetDirectoryName(BusCommand.Path)!;
        if (Readable(directory)) return BusCommand.Path;
        string copy = Path.Combine(Path.GetTempPath(), $"buscli-nobody-{Environment.ProcessId}");
        Copy(directory, copy);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(copy, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
        return Path.Combine(copy, Path.GetFileName(BusCommand.Path));
    }

    private static bool Readable(string directory)
    {
        for (string? d = directory; d is not null; d = Path.GetDirectoryName(d))
            if ((File.GetUnixFileMode(d) & UnixFileMode.OtherExecute) == 0) return false;
        return Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .All(f => (File.GetUnixFileMode(f) & UnixFileMode.OtherRead) != 0);
    }

    private static void Copy(string from, string to)
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
            Copy(sub, Path.Combine(to, Path.GetFileName(sub)));
    }
}

/// <summary>A fact that needs root (to run the bus command as another user); skipped otherwise.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!Nobody.CanRun) Skip = "needs root: runs the bus command as another user";
    }
}
