namespace BusCli;

/// <summary>
/// A failure of the command itself, not of the bus (a thread or process it could not start,
/// a child it could not wait for, a no-wait broadcast that found the bus busy): one line, as
/// <see cref="CliErrors.Report"/> prints it, and the exit status it stands for.
/// </summary>
internal sealed class CliException(string message, int exitCode = ExitCodes.Failure, int errno = 0, Exception? innerException = null)
    : Exception(message, innerException)
{
    /// <summary>The exit status (<see cref="ExitCodes"/>).</summary>
    public int ExitCode { get; } = exitCode;

    /// <summary>The system error number behind it, or 0.</summary>
    public int Errno { get; } = errno;
}
