namespace LibBus.Campaign;

/// <summary>The outcome of a short external command (bus, ipcrm).</summary>
public sealed record ToolResult(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed)
{
    public string[] StderrLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    public override string ToString() => $"exit {ExitCode} after {Elapsed.TotalMilliseconds:0} ms; stderr [{Stderr.Trim()}]; stdout [{Stdout.Trim()}]";

    /// <summary>Runs <paramref name="file"/> to completion, killing it after <paramref name="timeout"/> (exit -1 then).</summary>
    public static ToolResult Run(string file, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        RunResult r = ChildProcess.Run(file, arguments, timeout);
        return new ToolResult(r.ExitCode, r.Stdout, r.Stderr, clock.Elapsed);
    }
}
