namespace LibBus.Nats;

/// <summary>
/// Another bridge carries the same bus: it published a message from this bus while this bridge
/// ran. Two bridges on one bus would carry each other's broadcasts for ever, so the bridge stops.
/// </summary>
public sealed class BusBridgeConflictException : Exception
{
    /// <summary>Makes the exception with its one-line <paramref name="message"/>.</summary>
    public BusBridgeConflictException(string message)
        : base(message)
    {
    }
}
