namespace LibBus;

/// <summary>
/// The key file is not a bus key file: not a regular file, or unreadable as two
/// positive decimal keys (IPC objects of another shape: <see cref="BusObjectMismatchException"/>).
/// </summary>
public sealed class BusKeyFileCorruptException(string message, string path, int errno = 0)
    : BusException(message, path, errno);
