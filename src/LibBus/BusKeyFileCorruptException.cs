namespace LibBus;

/// <summary>
/// The key file is not a bus key file: not a regular file, unreadable as two
/// positive decimal keys, or naming IPC objects that are not a bus.
/// </summary>
public sealed class BusKeyFileCorruptException(string message, string path, int errno = 0)
    : BusException(message, path, errno);
