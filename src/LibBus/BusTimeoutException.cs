namespace LibBus;

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
