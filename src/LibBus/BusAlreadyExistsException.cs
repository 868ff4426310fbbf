namespace LibBus;

/// <summary>The key file exists and an exclusive create was asked for.</summary>
public sealed class BusAlreadyExistsException(string message, string path, int errno = 0)
    : BusException(message, path, errno);
