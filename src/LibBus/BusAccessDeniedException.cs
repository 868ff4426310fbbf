namespace LibBus;

/// <summary>The calling user may not use the bus, or its key file, this way.</summary>
public sealed class BusAccessDeniedException(string message, string? path, int errno = 0)
    : BusException(message, path, errno);
