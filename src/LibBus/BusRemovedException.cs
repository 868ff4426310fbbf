namespace LibBus;

/// <summary>
/// The key file exists but its IPC objects do not, or they were removed while in
/// use (by <c>bus remove</c>, <c>ipcrm</c>, or systemd-logind's RemoveIPC at logout).
/// </summary>
public sealed class BusRemovedException(string message, string path, int errno = 0)
    : BusException(message, path, errno);
