using LibBus;

namespace BusCli;

/// <summary>
/// The one place where an exception becomes an exit status and one line on
/// stderr: <c>bus: PATH: what went wrong</c>. Never a stack trace.
/// </summary>
internal static class CliErrors
{
    /// <summary>Writes the error line for <paramref name="error"/> (and <paramref name="hint"/> after it) and returns its exit status.</summary>
    public static int Report(TextWriter stderr, string? path, Exception error, string hint = "")
    {
        int status = error switch
        {
            BusTimeoutException => ExitCodes.Timeout,
            BusBusyException => ExitCodes.Busy,
            _ => ExitCodes.Failure,
        };
        Write(stderr, path, error.Message + hint);
        return status;
    }

    /// <summary>
    /// Writes <c>bus: PATH: message</c> (without repeating a path the message already names),
    /// always one line: the path as <c>ls -b</c> shows it (<see cref="HumanText.Name"/>), wherever the
    /// message names it, and control characters and bytes that are not UTF-8 in the rest escaped
    /// (<see cref="HumanText.Message"/>).
    /// </summary>
    public static void Write(TextWriter stderr, string? path, string message)
    {
        if (!string.IsNullOrEmpty(path))
        {
            string shown = HumanText.Name(path);
            message = string.Join(shown, message.Split(path).Select(part => HumanText.Message(part.ReplaceLineEndings(" "))));
            if (!message.StartsWith(shown + ":", StringComparison.Ordinal)) message = shown + ": " + message;
        }
        else
        {
            message = HumanText.Message(message.ReplaceLineEndings(" "));
        }
        message = message.Trim();
        try
        {
            stderr.WriteLine("bus: " + message);
            stderr.Flush();
        }
        catch (IOException)
        {
            // stderr is gone too: nothing more to say.
        }
    }
}
