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

    /// <summary>
    /// For an unknown verb or option: the known one it is probably a typo of (at most two letters
    /// added, dropped, changed or swapped, and fewer than half of it), as "did you mean 'X'?"; null if none is that close.
    /// </summary>
    public static string? DidYouMean(string typed, IEnumerable<string> known)
    {
        (string? best, int distance) = (null, int.MaxValue);
        foreach (string candidate in known)
        {
            int d = Distance(typed, candidate);
            if (d < distance) (best, distance) = (candidate, d);
        }
        return best is not null && distance > 0 && distance <= Math.Min(2, (best.TrimStart('-').Length - 1) / 2)
            ? $"did you mean '{best}'?"
            : null;
    }

    /// <summary>Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours.</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }
        return d[a.Length, b.Length];
    }
}
