using System.CommandLine;

namespace BusCli.Commands;

/// <summary>The options <c>listen</c> and <c>wait</c> share.</summary>
internal sealed class ListenOptions
{
    public Argument<string> Path { get; } = new("PATH") { Description = "The bus's key file." };

    public Argument<string?> Command { get; } = new("COMMAND")
    {
        Description = "Run 'sh -c COMMAND' for each message, with the message in $msg. Without it, " +
                      "print each message on stdout followed by a newline.",
        Arity = ArgumentArity.ZeroOrOne,
    };

    public Option<bool> Null { get; } = new("--null", "-0")
    {
        Description = "Print messages followed by a NUL byte instead of a newline (messages may contain newlines).",
    };

    public Option<bool> Ready { get; } = new("--ready")
    {
        Description = "Once listening (a broadcast from then on reaches this listener), print 'bus: PATH: listening' on stderr.",
    };

    public Option<string?> ReadyFile { get; } = new("--ready-file")
    {
        Description = "Once listening, write this process's id and a newline to FILE: if FILE is a FIFO, " +
                      "by opening it for writing (so 'read _ < FILE' in a script returns exactly then), " +
                      "otherwise by creating FILE atomically (replacing it).",
        HelpName = "FILE",
    };

    public void AddTo(Command command)
    {
        command.Add(Null);
        command.Add(Ready);
        command.Add(ReadyFile);
        command.Add(Path);
        command.Add(Command);
    }
}

/// <summary>What to do once listening and with each message.</summary>
internal sealed record ListenSettings(
    string Path,
    string? Command = null,
    bool NullSeparated = false,
    int? Count = null,
    bool Ready = false,
    string? ReadyFile = null);
