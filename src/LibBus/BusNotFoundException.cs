namespace LibBus;

/// <summary>The key file does not exist.</summary>
public sealed class BusNotFoundException(string message, string path, int errno = 0)
    : BusException(message, path, errno);
