namespace LibBus.TestSupport;

/// <summary>
/// The bus command under test (<see cref="BusCommand.Path"/>), or <c>sh -c</c> around it, as a
/// <see cref="ChildProcess"/>: in a process group of its own, output captured, every wait with
/// a timeout, the group killed on Dispose. Adds what the command's tests wait for.
/// </summary>
public sealed class CliProcess : ChildProcess
{
    private CliProcess(string file, IEnumerable<string> arguments, string? workingDirectory, IDictionary<string, string>? environment)
        : base(file, arguments, workingDirectory, environment)
    {
    }

    public static CliProcess Bus(params string[] arguments) => Bus(arguments, null, null);

    public static CliProcess Bus(IEnumerable<string> arguments, string? workingDirectory, IDictionary<string, string>? environment)
        => new(BusCommand.Path, arguments, workingDirectory, environment);

    /// <summary>
    /// The bus command as a job of its own. Every <see cref="ChildProcess"/> is one now (see
    /// there: job-control signals such as SIGTSTP act on it as at a terminal); the name stays
    /// for the tests that say why they need it.
    /// </summary>
    public static CliProcess BusAsJob(IEnumerable<string> arguments, string? workingDirectory)
        => new(BusCommand.Path, arguments, workingDirectory, null);

    /// <summary><c>sh -c SCRIPT</c> with <c>$BUS</c> set to the executable under test.</summary>
    public static CliProcess Shell(string script, string? workingDirectory = null)
        => new("/bin/sh", ["-c", script], workingDirectory, new Dictionary<string, string> { ["BUS"] = BusCommand.Path });

    /// <summary>Waits for the <c>--ready</c> line on stderr.</summary>
    public void WaitUntilListening() => WaitFor((_, err) => err.Contains(": listening"), "the readiness line");

    public int WaitForLines(int count)
    {
        WaitFor((o, _) => o.Count(c => c == '\n') >= count, $"{count} lines on stdout");
        return count;
    }

    /// <summary>Waits for exit (failing on timeout, the group killed) and returns the result, all output read.</summary>
    public new RunResult WaitForExit(TimeSpan? timeout = null)
    {
        int status = base.WaitForExit(timeout);
        return new RunResult(status, Stdout, Stderr);
    }
}
