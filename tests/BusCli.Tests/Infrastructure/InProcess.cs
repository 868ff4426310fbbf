namespace BusCli.Tests.Infrastructure;

/// <summary>
/// The real command line of <c>bus</c> (<see cref="BusCommandLine"/>: the same parser, usage
/// errors, help and verbs) run in the test's own process, with <see cref="StringWriter"/>s for
/// standard output and error: for what needs no process of its own (help, usage errors, "did
/// you mean", duration syntax, exit statuses of bad input), in microseconds rather than a
/// process start. What does need one (signals, standard streams that fail or are closed, the
/// broadcast fast path, a listener, Native AOT, argument bytes that are not UTF-8, --version)
/// runs through <see cref="CliSandbox"/>. Verbs that listen or wait must not run here: they
/// install signal handlers in the test host.
/// </summary>
public static class InProcess
{
    /// <summary>Runs <c>bus ARGUMENTS</c> as the process would after start-up; standard input is empty.</summary>
    public static RunResult Run(params string[] arguments)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int status = BusCommandLine.Run(LeadingOptions.MoveAfterVerb(arguments), stdout, stderr, () => Stream.Null);
        return new RunResult(status, stdout.ToString(), stderr.ToString());
    }
}
