namespace LibBus;

/// <summary>An operation did not complete within its timeout.</summary>
public sealed class BusTimeoutException(string message, string path, int unacknowledgedListeners)
    : BusException(message, path)
{
    /// <summary>
    /// For a broadcast that had published its message: how many listeners had not
    /// acknowledged it when the timeout fired (they may miss that one message).
    /// Zero when the timeout fired before the message was published.
    /// </summary>
    public int UnacknowledgedListeners { get; } = unacknowledgedListeners;
}
