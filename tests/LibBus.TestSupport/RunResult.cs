namespace LibBus.TestSupport;

/// <summary>The outcome of a finished run.</summary>
public sealed record RunResult(int ExitCode, string Stdout, string Stderr)
{
    public string[] StdoutLines => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    public override string ToString() => $"exit {ExitCode}; stdout [{Stdout}]; stderr [{Stderr}]";
}
