namespace LibBus.Nats;

/// <summary>
/// A hold of a durable <see cref="BusBridge"/>: its out buffer is full and NATS confirms no publish, so the
/// bridge takes no message from its bus and local broadcasters wait, as they wait for a stopped listener
/// (<see cref="BusBridge.HoldStarted"/>, <see cref="BusBridge.HoldEnded"/>).
/// </summary>
public sealed class BusBridgeHoldEventArgs : EventArgs
{
    internal BusBridgeHoldEventArgs(TimeSpan held, TimeSpan unconfirmed, int waiting)
    {
        Held = held;
        Unconfirmed = unconfirmed;
        Waiting = waiting;
    }

    /// <summary>
    /// How long the bridge has taken no message from its bus: at <see cref="BusBridge.HoldStarted"/>, since its
    /// out buffer filled (a second or a little more); at <see cref="BusBridge.HoldEnded"/>, the whole hold.
    /// </summary>
    public TimeSpan Held { get; }

    /// <summary>
    /// How long NATS has confirmed no publish of this bridge, counted from the start of the publish it waits
    /// for: at <see cref="BusBridge.HoldStarted"/>, until then; at <see cref="BusBridge.HoldEnded"/>, until the hold ended.
    /// At least <see cref="Held"/>.
    /// </summary>
    public TimeSpan Unconfirmed { get; }

    /// <summary>
    /// The messages taken from the bus that wait for NATS when the hold starts: those in the out buffer
    /// (<see cref="BusBridgeOptions.BufferCapacity"/>), the one being published, and the one the bridge holds,
    /// whose broadcast has not returned. The same number at <see cref="BusBridge.HoldEnded"/>.
    /// </summary>
    public int Waiting { get; }
}
