using BusCli.Tests.Infrastructure;

namespace BusCli.Tests;

/// <summary>Common slips get a hint in their one-line error (issue 16).</summary>
public sealed class HintTests : IDisposable
{
    private readonly CliSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    [Fact]
    public void An_unquoted_message_is_shown_quoted()
    {
        string bus = _sandbox.PathFor("bus");
        Assert.Equal(new RunResult(2, "",
                $"bus: broadcast takes one MESSAGE, and more words came after it: quote a message that has spaces, as in: bus broadcast {bus} '123 hello world' (try 'bus broadcast --help')\n"),
            InProcess.Run("broadcast", bus, "123", "hello", "world"));
    }

    [Theory]
    [InlineData("listen")]
    [InlineData("wait")]
    public void An_unquoted_command_is_shown_quoted(string verb)
    {
        string bus = _sandbox.PathFor("bus");
        Assert.Equal(new RunResult(2, "",
                $"bus: {verb} takes one COMMAND, and more words came after it: quote a command that has spaces, as in: bus {verb} {bus} 'echo \"$msg\"' (try 'bus {verb} --help')\n"),
            InProcess.Run(verb, bus, "echo", "\"$msg\""));
    }

    [Fact]
    public void A_message_before_the_path_is_pointed_out()
    {
        string bus = _sandbox.CreateBus();
        Assert.Equal(new RunResult(1, "",
                $"bus: 123 hello: no such bus (the key file does not exist) (MESSAGE {bus} is a file: PATH and MESSAGE swapped? PATH comes first: bus broadcast {bus} '123 hello')\n"),
            _sandbox.Run("broadcast", "123 hello", bus));
    }

    [Theory]
    [InlineData("listen")]
    [InlineData("wait")]
    public void A_command_before_the_path_is_pointed_out(string verb)
    {
        string bus = _sandbox.CreateBus();
        Assert.Equal(new RunResult(1, "",
                $"bus: echo hi: no such bus (the key file does not exist) (COMMAND {bus} is a file: PATH and COMMAND swapped? PATH comes first: bus {verb} {bus} 'echo hi')\n"),
            _sandbox.Run(verb, "echo hi", bus));
    }

    [Fact]
    public void A_missing_bus_alone_gets_no_hint()
    {
        string missing = _sandbox.PathFor("missing");
        Assert.Equal(new RunResult(1, "", $"bus: {missing}: no such bus (the key file does not exist)\n"),
            _sandbox.Run("broadcast", missing, "1 no such file either"));
    }

    [RootFact]
    public void Create_without_a_path_or_XDG_RUNTIME_DIR_as_a_user_says_why_and_what_to_do()
    {
        using CliProcess create = _sandbox.Shell($"exec env -u XDG_RUNTIME_DIR {Nobody.Command("create")["exec ".Length..]}");
        create.Stdin.Close();
        RunResult result = create.WaitForExit();
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("", result.Stdout);
        Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.EndsWith("($XDG_RUNTIME_DIR is not set, so the default directory is /run/bus, which only root may write; " +
                        "set XDG_RUNTIME_DIR (systemd sets it at login) or give a path, as in: bus create ~/mybus)\n", result.Stderr);
    }
}
