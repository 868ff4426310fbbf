using BusCli.Tests.Infrastructure;

namespace BusCli.Tests;

/// <summary>
/// Help that says what is true (issue 16): optional arguments, wait's single run, -n's exact bound.
/// In-process (<see cref="InProcess"/>): the real parser, no process needed.
/// </summary>
public sealed class HelpTests
{
    private static string Help(params string[] arguments)
    {
        RunResult result = InProcess.Run([.. arguments, "--help"]);
        Assert.True(result.ExitCode == 0 && result.Stderr.Length == 0, result.ToString());
        // Unwrapped: the help wraps at the terminal's width.
        return string.Join(' ', result.Stdout.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries));
    }

    [Theory]
    [InlineData("create [<PATH>] ")]
    [InlineData("remove <PATH> ")]
    [InlineData("broadcast <PATH> <MESSAGE> ")]
    [InlineData("listen <PATH> [<COMMAND>] ")]
    [InlineData("wait <PATH> [<COMMAND>] ")]
    [InlineData("status <PATH> ")]
    [InlineData("list [<DIR>...] ")]
    [InlineData("gc [<DIR>...] ")]
    [InlineData("run <CMD>... ")]
    public void Root_help_shows_each_verbs_arguments_with_the_optional_ones_in_brackets(string usage)
        => Assert.Contains(" " + usage, Help());

    [Fact]
    public void Wait_help_says_the_command_runs_once()
    {
        string help = Help("wait");
        Assert.Contains("<COMMAND> Run 'sh -c COMMAND' once", help);
        Assert.DoesNotContain("for each message", help);
    }

    [Fact]
    public void Listen_help_says_the_command_runs_for_each_message()
        => Assert.Contains("<COMMAND> Run 'sh -c COMMAND' for each message", Help("listen"));

    [Fact]
    public void Broadcast_help_states_what_nowait_bounds_and_what_it_does_not()
    {
        string help = Help("broadcast");
        Assert.Contains("only while another broadcaster", help);
        Assert.Contains("holds the bus", help);
        Assert.Contains("still busy with the previous message", help);
        Assert.Contains("stopped listener", help);
        Assert.Contains("forever", help);
        Assert.Contains("--timeout", help[help.IndexOf("-n, --nowait", StringComparison.Ordinal)..help.IndexOf("-t, --timeout", StringComparison.Ordinal)]);
    }

    [Fact]
    public void Help_as_a_verb_is_help()
    {
        Assert.Equal(InProcess.Run("--help"), InProcess.Run("help"));
        Assert.Equal(InProcess.Run("--help"), InProcess.Run("help", "--help"));
        Assert.Equal(InProcess.Run("wait", "--help"), InProcess.Run("help", "wait"));
        Assert.Equal(new RunResult(2, "", "bus: no verb 'frobnicate' (try 'bus --help')\n"), InProcess.Run("help", "frobnicate"));
    }
}
