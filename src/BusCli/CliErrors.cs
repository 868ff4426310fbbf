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
        if (error is OutputFailedException)
        {
            // About standard output, not the bus: "bus: standard output: WHY".
            path = null;
            hint = "";
        }
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
    /// always one line: control characters and bytes that are not UTF-8 are escaped (<c>\n</c>, <c>\xe9</c>).
    /// </summary>
    public static void Write(TextWriter stderr, string? path, string message)
    {
        if (!string.IsNullOrEmpty(path))
        {
            // A path with a newline or bytes that are not UTF-8 shows escaped, on one line.
            string shown = RawArguments.Escape(path);
            message = message.Replace(path, shown, StringComparison.Ordinal);
            if (!message.StartsWith(shown + ":", StringComparison.Ordinal)) message = shown + ": " + message;
        }
        message = RawArguments.Escape(message.ReplaceLineEndings(" ").Trim());
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
