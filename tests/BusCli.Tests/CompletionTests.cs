using BusCli.Tests.Infrastructure;

namespace BusCli.Tests;

/// <summary>
/// The shell completion scripts in completions/ (issue 16): each parses, names every verb of
/// <c>bus --help</c>, and the bash one offers verbs, options and the default directory's buses.
/// zsh and fish are checked only where installed (CI does not install them).
/// </summary>
public sealed class CompletionTests : IDisposable
{
    private static readonly string Scripts = Path.Combine(BusCommand.RepoRoot, "completions");
    private readonly CliSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    private static bool Installed(string shell)
        => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, shell)));

    private RunResult Run(string shell, params string[] arguments)
    {
        using CliProcess process = _sandbox.Shell($"exec {shell} {string.Join(' ', arguments.Select(Nobody.Quote))}");
        process.Stdin.Close();
        return process.WaitForExit();
    }

    /// <summary>What bash completion offers for the words typed so far (the last one being completed).</summary>
    private string[] BashComplete(string? runtimeDirectory, params string[] words)
    {
        string script = $"""
            {(runtimeDirectory is null ? "unset XDG_RUNTIME_DIR" : $"XDG_RUNTIME_DIR={Nobody.Quote(runtimeDirectory)}")}
            . {Nobody.Quote(Path.Combine(Scripts, "bus.bash"))}
            COMP_WORDS=({string.Join(' ', words.Select(Nobody.Quote))})
            COMP_CWORD={words.Length - 1}
            _bus
            printf '%s\n' "${"{"}COMPREPLY[@]{"}"}"
            """;
        RunResult result = Run("bash", "-c", script);
        Assert.True(result.ExitCode == 0 && result.Stderr.Length == 0, result.ToString());
        return result.StdoutLines;
    }

    private string[] Verbs()
    {
        string help = InProcess.Run("--help").Stdout;
        return help[help.IndexOf("Verbs:", StringComparison.Ordinal)..].Split('\n').Skip(1)
            .Where(line => line.StartsWith("  ", StringComparison.Ordinal))
            .Select(line => line.Trim().Split(' ')[0]).Append("help").ToArray();
    }

    [Fact]
    public void The_bash_script_parses()
        => Assert.Equal(new RunResult(0, "", ""), Run("bash", "-n", Path.Combine(Scripts, "bus.bash")));

    [Fact]
    public void The_zsh_script_parses_where_zsh_is_installed()
    {
        if (!Installed("zsh")) return;
        Assert.Equal(new RunResult(0, "", ""), Run("zsh", "-n", Path.Combine(Scripts, "_bus")));
    }

    [Fact]
    public void The_fish_script_parses_where_fish_is_installed()
    {
        if (!Installed("fish")) return;
        Assert.Equal(new RunResult(0, "", ""), Run("fish", "--no-execute", Path.Combine(Scripts, "bus.fish")));
    }

    [Theory]
    [InlineData("bus.bash")]
    [InlineData("_bus")]
    [InlineData("bus.fish")]
    public void Every_script_knows_every_verb(string script)
    {
        string text = File.ReadAllText(Path.Combine(Scripts, script));
        string[] verbs = Verbs();
        Assert.Contains("bridge", verbs);
        foreach (string verb in verbs) Assert.Matches($@"\b{verb}\b", text);
    }

    [Fact]
    public void Bash_offers_the_verbs()
        => Assert.Equal(Verbs().Order(), BashComplete(null, "bus", "").Order());

    [Fact]
    public void Bash_completes_a_verb_and_an_option()
    {
        Assert.Equal(["broadcast"], BashComplete(null, "bus", "bro"));
        Assert.Equal(["--jobs"], BashComplete(null, "bus", "listen", "--jo"));
        Assert.Equal(["--nowait"], BashComplete(null, "bus", "broadcast", "--no"));
        Assert.Equal(["both"], BashComplete(null, "bus", "bridge", "--direction", "b"));
    }

    [Fact]
    public void Bash_offers_the_buses_of_XDG_RUNTIME_DIR_for_PATH_only()
    {
        string runtime = _sandbox.PathFor("runtime");
        Directory.CreateDirectory(Path.Combine(runtime, "bus"));
        string bus = _sandbox.CreateBus(Path.Combine("runtime", "bus", "app"));
        Assert.Contains(bus, BashComplete(runtime, "bus", "broadcast", ""));
        Assert.Contains(bus, BashComplete(runtime, "bus", "listen", "-j", "2", "--match", "x", ""));
        Assert.Contains(bus, BashComplete(runtime, "bus", "chmod", "+o", ""));
        // The MESSAGE after PATH, and a value of an option, are free text.
        Assert.Empty(BashComplete(runtime, "bus", "broadcast", bus, ""));
        Assert.Empty(BashComplete(runtime, "bus", "listen", "--count", ""));
    }
}
