using LibBus;

namespace BusCli;

/// <summary>
/// The one place where an exception becomes an exit status and one line on
/// stderr: <c>bus: PATH: what went wrong</c>. Never a stack trace.
/// </summary>
internal static class CliErrors
{
    /// <summary>Writes the error line for <paramref name="error"/> and returns its exit status.</summary>
    public static int Report(TextWriter stderr, string? path, Exception error)
    {
        int status = error switch
        {
            BusTimeoutException => ExitCodes.Timeout,
            BusBusyException => ExitCodes.Busy,
            _ => ExitCodes.Failure,
        };
        Write(stderr, path, error.Message);
        return status;
    }

    /// <summary>Writes <c>bus: PATH: message</c> (without repeating a path the message already names).</summary>
    public static void Write(TextWriter stderr, string? path, string message)
    {
        message = message.ReplaceLineEndings(" ").Trim();
        if (!string.IsNullOrEmpty(path) && !message.StartsWith(path + ":", StringComparison.Ordinal))
            message = path + ": " + message;
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
