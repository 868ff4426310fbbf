using BusCli.Tests.Infrastructure;

namespace BusCli.Tests;

public sealed class UsageTests : IDisposable
{
    private readonly CliSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    [Theory]
    [InlineData("-x")]
    [InlineData("frobnicate")]
    [InlineData("create|a|b")]
    [InlineData("create|--bogus")]
    [InlineData("remove")]
    [InlineData("remove|a|b")]
    [InlineData("broadcast|p")]
    [InlineData("broadcast|p|m|extra")]
    [InlineData("broadcast|--timeout|soon|p|m")]
    [InlineData("broadcast|--timeout|-1|p|m")]
    [InlineData("broadcast|-q|p|m")]
    [InlineData("listen")]
    [InlineData("listen|p|cmd|extra")]
    [InlineData("listen|--count|0|p")]
    [InlineData("listen|--count|x|p")]
    [InlineData("wait")]
    [InlineData("wait|--count|2|p")]
    [InlineData("chmod|p")]
    [InlineData("chmod|u+x|p")]
    [InlineData("chmod|1777|p")]
    [InlineData("chmod||p")]
    [InlineData("chown|p")]
    [InlineData("chown|a:b:c|p")]
    [InlineData("chown|:|p")]
    [InlineData("chgrp|a:b|p")]
    [InlineData("chgrp|g")]
    public void Bad_command_lines_exit_2_with_one_line_on_stderr(string commandLine)
    {
        string[] arguments = commandLine.Length == 0 ? [] : commandLine.Split('|');
        RunResult result = InProcess.Run(arguments);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Equal("", result.Stdout);
        string[] lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("bus: ", lines[0]);
        Assert.Contains("--help", lines[0]);
    }

    [Fact]
    public void Plain_bus_lists_the_verbs_on_stderr_and_exits_2()
    {
        RunResult result = InProcess.Run();
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("", result.Stdout);
        Assert.Equal(InProcess.Run("--help").Stdout, result.Stderr);
        Assert.Contains("broadcast", result.Stderr);
        Assert.DoesNotContain("required command", result.Stderr, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("broadcast|--timeout|-1|p|m", "bus: '-1': a duration cannot be negative (for no limit, leave the option out or give infinity) (try 'bus broadcast --help')")]
    [InlineData("listen|--count|-1|p", "bus: --count: '-1' is not a whole number of at least 1 (try 'bus listen --help')")]
    [InlineData("brodcast|p|m", "bus: unrecognized command or argument 'brodcast' (did you mean 'broadcast'? try 'bus --help')")]
    [InlineData("listen|--timout|1s|p", "bus: unrecognized option '--timout' (did you mean '--timeout'? try 'bus listen --help')")]
    public void A_bad_value_or_a_typo_says_what_is_wrong_with_it(string commandLine, string error)
    {
        RunResult result = InProcess.Run(commandLine.Split('|'));
        Assert.Equal(2, result.ExitCode);
        Assert.Equal(error + "\n", result.Stderr);
    }

    [Fact]
    public void Durations_add_up_and_infinity_is_no_limit()
    {
        string bus = _sandbox.CreateBus();
        Assert.Equal(0, _sandbox.Run("broadcast", "--timeout", "1h30m", bus, "m1").ExitCode);
        Assert.Equal(0, _sandbox.Run("broadcast", "--timeout", "infinity", bus, "m2").ExitCode);
    }

    [Theory]
    [InlineData("create")]
    [InlineData("remove")]
    [InlineData("broadcast")]
    [InlineData("listen")]
    [InlineData("wait")]
    [InlineData("chmod")]
    [InlineData("chown")]
    [InlineData("chgrp")]
    public void Every_verb_has_help(string verb)
    {
        RunResult result = InProcess.Run(verb, "--help");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"bus {verb}", result.Stdout);
        Assert.Contains("Exit status", result.Stdout);
        Assert.Equal("", result.Stderr);
    }

    [Fact]
    public void Root_help_lists_the_verbs_and_the_exit_statuses()
    {
        RunResult result = InProcess.Run("--help");
        Assert.Equal(0, result.ExitCode);
        foreach (string verb in new[] { "create", "remove", "broadcast", "listen", "wait", "chmod", "chown", "chgrp" })
            Assert.Contains(verb, result.Stdout);
        Assert.Contains("3 busy", result.Stdout);
        Assert.Contains("4 timeout", result.Stdout);
    }

    [Fact]
    public void Version_prints_a_version()
    {
        RunResult result = _sandbox.Run("--version");
        Assert.Equal(0, result.ExitCode);
        Assert.Matches(@"^\d+\.\d+\.\d+", result.Stdout);
    }

    [Fact]
    public void A_message_that_looks_like_a_response_file_or_directive_is_a_message()
    {
        string bus = _sandbox.CreateBus();
        Assert.Equal(0, _sandbox.Run("broadcast", bus, "@nosuchfile").ExitCode);
        Assert.Equal(0, _sandbox.Run("broadcast", bus, "--", "-5 degrees").ExitCode);
    }

    [Fact]
    public void Errors_are_one_line_naming_the_path_never_a_stack_trace()
    {
        string missing = _sandbox.PathFor("missing");
        foreach (string[] arguments in new[]
        {
            new[] { "remove", missing },
            new[] { "broadcast", missing, "m" },
            new[] { "listen", missing },
            new[] { "chmod", "600", missing },
            new[] { "chown", "0", missing },
            new[] { "chgrp", "0", missing },
        })
        {
            RunResult result = _sandbox.Run(arguments);
            Assert.True(result.ExitCode == 1, result.ToString());
            string[] lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Single(lines);
            Assert.StartsWith($"bus: {missing}: ", lines[0]);
            Assert.DoesNotContain("   at ", result.Stderr);
        }
    }
}
