namespace LibBus;

/// <summary>
/// The base of every error LibBus reports. <see cref="Exception.Message"/> is one
/// line that names the path or value at fault.
/// </summary>
public class BusException : Exception
{
    /// <summary>Creates an error about the bus at <paramref name="path"/>.</summary>
    /// <param name="message">One line saying what went wrong.</param>
    /// <param name="path">The key file at fault, if any.</param>
    /// <param name="errno">The system error number behind it, if any.</param>
    /// <param name="innerException">The cause, if any.</param>
    public BusException(string message, string? path = null, int errno = 0, Exception? innerException = null)
        : base(message, innerException)
    {
        Path = path;
        Errno = errno;
    }

    /// <summary>The key file at fault, or null when the error is not about one bus.</summary>
    public string? Path { get; }

    /// <summary>The system error number (errno) behind the error, or 0.</summary>
    public int Errno { get; }
}
