using System.CommandLine;
using System.Text.RegularExpressions;

namespace BusCli.Commands;

/// <summary>The options <c>listen</c> and <c>wait</c> share.</summary>
/// <param name="commandDescription">What COMMAND does: listen runs it for each message, wait once.</param>
internal sealed class ListenOptions(string commandDescription)
{
    public Argument<string> Path { get; } = CommonOptions.Path();

    public Argument<string?> Command { get; } = new("COMMAND")
    {
        Description = commandDescription,
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

    public Option<string?> ReadyFile { get; } = CommonOptions.ReadyFile(
        "Once listening, write this process's id and a newline to FILE: if FILE is a FIFO, " +
        "by opening it for writing (so 'read _ < FILE' in a script returns exactly then), " +
        "otherwise by creating FILE atomically (replacing it).");

    public Option<Regex?> Match { get; } = new("--match", "-m")
    {
        Description = "Only messages that REGEX (a .NET regular expression, matched anywhere in the message " +
                      "text, sender id included; anchor it with ^...$ for the whole message) matches are printed, passed to COMMAND and counted; the others " +
                      "are still received and acknowledged at once. REGEX runs on .NET's non-backtracking engine, " +
                      "in time linear in the message, whatever the pattern; one that needs backtracking " +
                      "(backreferences, lookarounds, atomic groups) runs on the backtracking engine, and a match " +
                      $"that takes over {MatchTimeoutText} on a message is taken as no match (said on stderr).",
        HelpName = "REGEX",
        CustomParser = result =>
        {
            string pattern = result.Tokens[0].Value;
            try
            {
                return MatchRegex(pattern);
            }
            catch (ArgumentException e)
            {
                result.AddError($"--match: '{pattern}' is not a valid regular expression: {e.Message}");
                return null;
            }
        },
    };

    /// <summary>
    /// The longest a backtracking match may take on one message. The listener matches after it has
    /// copied and acknowledged the message, but before it takes the next one, so a slow match holds
    /// broadcasters back, as a slow reader of its output does.
    /// </summary>
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary><see cref="MatchTimeout"/> as help and messages say it.</summary>
    public const string MatchTimeoutText = "100 ms";

    /// <summary>
    /// --match's regex: on the non-backtracking engine, whose matches take time linear in the
    /// message (no pattern is catastrophic; same matches, as IsMatch asks only whether there is
    /// one), unless the pattern needs backtracking (NotSupportedException): then on the
    /// backtracking engine with <see cref="MatchTimeout"/>.
    /// </summary>
    /// <exception cref="ArgumentException">Not a valid regular expression.</exception>
    public static Regex MatchRegex(string pattern)
    {
        try
        {
            return new Regex(pattern, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
        }
        catch (NotSupportedException)
        {
            return new Regex(pattern, RegexOptions.CultureInvariant, MatchTimeout);
        }
    }

    public void AddTo(Command command)
    {
        command.Add(Null);
        command.Add(Ready);
        command.Add(ReadyFile);
        command.Add(Match);
        command.Add(Path);
        command.Add(Command);
    }
}

/// <summary>
/// What to do once listening and with each message (<see cref="Jobs"/>: at most that many commands at once; 0, no limit;
/// <see cref="Json"/>: print each as a JSON line, <see cref="MessageJson"/>).
/// </summary>
internal sealed record ListenSettings(
    string Path,
    string? Command = null,
    bool NullSeparated = false,
    int? Count = null,
    bool Ready = false,
    string? ReadyFile = null,
    Regex? Match = null,
    TimeSpan? Timeout = null,
    int Jobs = 0,
    bool Json = false);
