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

/// <summary>The key file does not exist.</summary>
public sealed class BusNotFoundException(string message, string path, int errno = 0)
    : BusException(message, path, errno);

/// <summary>The key file exists and an exclusive create was asked for.</summary>
public sealed class BusAlreadyExistsException(string message, string path, int errno = 0)
    : BusException(message, path, errno);

/// <summary>
/// The key file is not a bus key file: not a regular file, unreadable as two
/// positive decimal keys, or naming IPC objects that are not a bus.
/// </summary>
public sealed class BusKeyFileCorruptException(string message, string path, int errno = 0)
    : BusException(message, path, errno);

/// <summary>
/// The key file exists but its IPC objects do not, or they were removed while in
/// use (by <c>bus remove</c>, <c>ipcrm</c>, or systemd-logind's RemoveIPC at logout).
/// </summary>
public sealed class BusRemovedException(string message, string path, int errno = 0)
    : BusException(message, path, errno);

/// <summary>
/// The key file was made in another IPC namespace (a container, a service with <c>PrivateIPC=</c>)
/// that shares its directory: its objects cannot be seen from this process, so it is not opened,
/// and never taken for stale, replaced or removed from here.
/// </summary>
public sealed class BusNamespaceException(string message, string path)
    : BusException(message, path);

/// <summary>The calling user may not use the bus, or its key file, this way.</summary>
public sealed class BusAccessDeniedException(string message, string? path, int errno = 0)
    : BusException(message, path, errno);

/// <summary>A message is not valid: over 2047 UTF-8 bytes, containing NUL, or not encodable.</summary>
public sealed class BusMessageInvalidException(string message, Exception? innerException = null)
    : BusException(message, null, 0, innerException);

/// <summary>An operation did not complete within its timeout.</summary>
/// <remarks>
/// A class derives from one base, and every LibBus error is a <see cref="BusException"/>, so this is
/// not a <see cref="TimeoutException"/>. As <c>HttpClient</c> does for its timeout (a
/// <c>TaskCanceledException</c> whose <see cref="Exception.InnerException"/> is a
/// <see cref="TimeoutException"/>), every <see cref="BusTimeoutException"/> carries a
/// <see cref="TimeoutException"/> with the same message as its <see cref="Exception.InnerException"/>:
/// code that handles timeouts of any library can test
/// <c>e is TimeoutException || e.InnerException is TimeoutException</c>.
/// </remarks>
public sealed class BusTimeoutException(string message, string path, int unacknowledgedListeners)
    : BusException(message, path, 0, new TimeoutException(message))
{
    /// <summary>
    /// For a broadcast that had published its message: how many listeners had not
    /// acknowledged it when the timeout fired (they may miss that one message).
    /// Zero when the timeout fired before the message was published.
    /// </summary>
    public int UnacknowledgedListeners { get; } = unacknowledgedListeners;
}

/// <summary>A no-wait broadcast (<see cref="Bus.BroadcastIfFree(string, TimeSpan?, CancellationToken)"/>, <c>bus broadcast -n</c>) found another broadcaster holding the bus; nothing was sent.</summary>
public sealed class BusBusyException(string message, string path)
    : BusException(message, path, Interop.Errors.EAGAIN);

/// <summary>
/// A broadcast could never complete because this same process holds the bus: one of its
/// own <see cref="BusSubscription"/>s has had a full buffer, unread, while the broadcast
/// waited (see <see cref="Bus.Subscribe(int)"/>). Nothing was sent.
/// </summary>
public sealed class BusDeadlockException(string message, string path)
    : BusException(message, path);
