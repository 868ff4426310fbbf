namespace BusCli.Tests.Infrastructure;

/// <summary>Runs the bus command as another user (see <see cref="AsNobody"/>). Needs root.</summary>
public static class Nobody
{
    /// <summary>The bus executable where nobody can run it: in place if readable, else in a copy in /tmp (made once).</summary>
    private static readonly Lazy<string> ExecutableCopy = new(() => Path.Combine(
        AsNobody.ReadableDirectory(Path.GetDirectoryName(BusCommand.Path)!, "buscli-nobody"), Path.GetFileName(BusCommand.Path)));

    /// <summary>The bus executable's path where any user can run it.</summary>
    public static string Executable => ExecutableCopy.Value;

    /// <summary>A shell command line that runs <c>bus ARGUMENTS</c> as nobody.</summary>
    public static string Command(params string[] arguments)
        => $"exec setpriv {string.Join(' ', AsNobody.SetprivOptions)} {Quote(Executable)} {string.Join(' ', arguments.Select(Quote))}";

    /// <summary>A shell command line that runs <c>bus ARGUMENTS</c> as user and group <paramref name="id"/> (a second unprivileged user beside nobody).</summary>
    public static string CommandAs(uint id, params string[] arguments)
        => $"exec setpriv --reuid={id} --regid={id} --clear-groups {Quote(Executable)} {string.Join(' ', arguments.Select(Quote))}";

    /// <summary>Runs <c>bus ARGUMENTS</c> as nobody in <paramref name="sandbox"/> and returns the result.</summary>
    public static RunResult Run(CliSandbox sandbox, params string[] arguments)
    {
        using CliProcess process = sandbox.Shell(Command(arguments));
        process.Stdin.Close();
        return process.WaitForExit();
    }

    public static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
