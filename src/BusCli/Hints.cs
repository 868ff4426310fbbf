using System.CommandLine;
using LibBus;

namespace BusCli;

/// <summary>
/// Hints for common slips, added to their one-line errors: an unquoted message or command,
/// PATH and MESSAGE (or COMMAND) swapped, and <c>bus create</c> without a path where the
/// default directory cannot be used. Worked out only once something has failed.
/// </summary>
internal static class Hints
{
    /// <summary>
    /// For extra arguments after <c>broadcast</c>'s MESSAGE or <c>listen</c>/<c>wait</c>'s COMMAND:
    /// the words were meant as one, unquoted. Null for anything else.
    /// </summary>
    public static string? Unquoted(ParseResult parsed)
    {
        if (parsed.UnmatchedTokens.Count == 0 || parsed.Tokens.Any(t => t.Type == System.CommandLine.Parsing.TokenType.DoubleDash))
            return null;
        Command verb = parsed.CommandResult.Command;
        string? last = verb.Name switch
        {
            "broadcast" => "MESSAGE",
            "listen" or "wait" => "COMMAND",
            _ => null,
        };
        if (last is null || verb.Arguments.FirstOrDefault(a => a.Name == last) is not { } argument
            || parsed.GetResult(argument) is not { Tokens: [{ } first] }
            || parsed.GetResult(verb.Arguments.First(a => a.Name == "PATH")) is not { Tokens: [{ } path] })
            return null;
        string words = string.Join(' ', parsed.UnmatchedTokens.Prepend(first.Value));
        return $"{verb.Name} takes one {last}, and more words came after it: quote a {last.ToLowerInvariant()} that has spaces, " +
               $"as in: bus {verb.Name} {Quote(path.Value)} {Quote(words)}";
    }

    /// <summary>
    /// For a PATH that names nothing while the MESSAGE or COMMAND after it names a file: the two
    /// are probably swapped. Empty if not.
    /// </summary>
    public static string Swapped(Exception error, string verb, string path, string? other, string otherName)
    {
        if (error is not BusNotFoundException || other is null || !IsFile(other)) return "";
        return $" ({otherName} {Quote(other)} is a file: PATH and {otherName} swapped? PATH comes first: " +
               $"bus {verb} {Quote(other)} {Quote(path)})";
    }

    /// <summary>For <c>bus create</c> without a path: the default directory's problem, and what to do. Empty if none applies.</summary>
    public static string CreateWithoutPath(Exception error)
    {
        if (error is not BusAccessDeniedException && error is not BusNotFoundException) return "";
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR")) || Interop.Libc.GetEUid() == 0)
            return " (give a path, as in: bus create ~/mybus)";
        return " ($XDG_RUNTIME_DIR is not set, so the default directory is /run/bus, which only root may write; " +
               "set XDG_RUNTIME_DIR (systemd sets it at login) or give a path, as in: bus create ~/mybus)";
    }

    private static bool IsFile(string path) => File.Exists(path);

    /// <summary>A word as a POSIX shell reads it back: in single quotes unless it needs none.</summary>
    internal static string Quote(string word)
        => word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '.' or '_' or '-' or '+' or ':' or ',' or '=' or '@' or '%')
            ? word
            : "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
