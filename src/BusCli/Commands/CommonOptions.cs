using System.CommandLine;

namespace BusCli.Commands;

/// <summary>
/// The arguments and options several verbs take, each defined once (as dotnet-trace's
/// CommonOptions): the same name, value syntax, parser and error wording wherever it appears.
/// Each call makes a new symbol (a verb owns its symbols); a description that differs between
/// verbs is the caller's, the rest is here.
/// </summary>
internal static class CommonOptions
{
    /// <summary><c>PATH</c>: the bus's key file.</summary>
    public static Argument<string> Path() => new("PATH") { Description = "The bus's key file." };

    /// <summary>
    /// <c>-t, --timeout DURATION</c>: <paramref name="description"/>, then the one syntax every
    /// timeout takes (<see cref="DurationParser"/>); read it with <see cref="DurationParser.Limit"/>.
    /// </summary>
    public static Option<TimeSpan?> Timeout(string description) => new("--timeout", "-t")
    {
        Description = description + " DURATION is a number with an optional unit ms, s (default), m or h, or several " +
                      "added up (1h30m); infinity for no limit.",
        HelpName = "DURATION",
        CustomParser = DurationParser.ParseTimeout,
    };

    /// <summary><c>--json</c>: print JSON as <paramref name="description"/> says, instead of text.</summary>
    public static Option<bool> Json(string description) => new("--json") { Description = description };

    /// <summary><c>--ready-file FILE</c>: once <paramref name="description"/> says, this process's id goes to FILE.</summary>
    public static Option<string?> ReadyFile(string description) => new("--ready-file")
    {
        Description = description,
        HelpName = "FILE",
    };

    /// <summary>
    /// <c>--allow-owner-mismatch</c>: act even if the key file's owner does not own both IPC
    /// objects (which may mean the file names another user's bus).
    /// </summary>
    public static Option<bool> AllowOwnerMismatch() => new("--allow-owner-mismatch")
    {
        Description = "Act even if the key file's owner does not own the bus's semaphore array and shared memory " +
                      "segment. Without it such a bus is refused: a key file made by another user can name anyone's " +
                      "bus, and this verb would act on that bus.",
    };
}
