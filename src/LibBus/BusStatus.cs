namespace LibBus;

/// <summary>
/// What a bus is doing, read without changing it (<see cref="Bus.GetStatus(string)"/>): only
/// <c>IPC_STAT</c>, <c>GETALL</c>, <c>GETNCNT</c> and <c>GETZCNT</c> are used, and the segment is
/// never attached. The counts are derived from the semaphores as PROTOCOL.md defines them; see
/// each property for the mapping. A snapshot: the bus may change while it is read.
/// </summary>
public sealed record BusStatus
{
    /// <summary>The key file.</summary>
    public required string Path { get; init; }

    /// <summary>Whether the objects exist.</summary>
    public required BusState State { get; init; }

    /// <summary>The keys the key file holds.</summary>
    public required BusKeys Keys { get; init; }

    /// <summary>Owner, group and permission bits of the key file.</summary>
    public required BusOwnership KeyFile { get; init; }

    /// <summary>The semaphore array, or null if it does not exist (or could not be read).</summary>
    public BusSemaphoreArrayStatus? SemaphoreArray { get; init; }

    /// <summary>The segment, or null if it does not exist (or could not be read).</summary>
    public BusSegmentStatus? Segment { get; init; }

    /// <summary>
    /// N = 1: a broadcaster has published (or is publishing) a message and waits for the
    /// listeners counted in S to acknowledge it. Null when the semaphore array is unknown.
    /// </summary>
    public bool? DeliveryInProgress { get; init; }

    /// <summary>
    /// During a delivery, S: the listeners that have not acknowledged the message yet (the
    /// broadcaster waits until S is 0). 0 between deliveries.
    /// </summary>
    public int? ListenersHoldingDelivery { get; init; }

    /// <summary>
    /// The listeners on the bus. Between deliveries every joined listener is counted in
    /// exactly one of S (queued for the next message) and W (released with the last message
    /// and not yet re-queued), so this is S + W. During a delivery W was 0 when it began and
    /// every released listener holds W until the delivery ends, so this is S before the
    /// publish and W after it: max(S, W). Exact for LibBus listeners; a C listener is counted
    /// twice for the instant between its V(S) and its P(W), and a broadcaster that gave up
    /// mid-delivery can make it high by the listeners that had not acknowledged.
    /// </summary>
    public int? ListenersJoined { get; init; }

    /// <summary>GETZCNT of Q: listeners blocked waiting for the next message.</summary>
    public int? ListenersWaitingForMessage { get; init; }

    /// <summary>
    /// GETNCNT of X plus GETZCNT of W: processes blocked before they can broadcast, waiting for
    /// the bus lock (another broadcaster is delivering) or for W to reach 0 (a listener still
    /// holds the previous message, for example a stopped or slow listener). A listener waiting
    /// to join while a listener holds the previous message also blocks on W and is counted here
    /// too: the kernel does not tell the two apart.
    /// </summary>
    public int? BroadcastersWaiting { get; init; }

    /// <summary>X = 0: a broadcaster holds the bus lock.</summary>
    public bool? Locked { get; init; }

    /// <summary>
    /// Why the semaphore values are not those of a sound bus, or null if they are (or are
    /// unknown): X (the broadcaster lock) and N are each 0 or 1 in every state of the protocol
    /// (PROTOCOL.md, "Objects"), so above 1 someone other than a bus peer set them, and the bus
    /// no longer excludes broadcasters from each other. Remove the bus and create it again.
    /// </summary>
    public string? Corruption { get; init; }

    /// <summary>Reads the status; see <see cref="Bus.GetStatus(string)"/>.</summary>
    internal static BusStatus From(string path, BusKeys keys, BusOwnership keyFile, BusState state,
        BusSemaphoreArrayStatus? semaphores, BusSegmentStatus? segment)
    {
        var status = new BusStatus
        {
            Path = path, State = state, Keys = keys, KeyFile = keyFile, SemaphoreArray = semaphores, Segment = segment,
        };
        if (semaphores is null) return status;
        int s = semaphores.S.Value, w = semaphores.W.Value, n = semaphores.N.Value;
        bool delivering = n > 0;
        return status with
        {
            DeliveryInProgress = delivering,
            ListenersHoldingDelivery = delivering ? s : 0,
            ListenersJoined = delivering ? Math.Max(s, w) : s + w,
            ListenersWaitingForMessage = semaphores.Q.WaitingForZero,
            BroadcastersWaiting = semaphores.X.WaitingForIncrease + semaphores.W.WaitingForZero,
            Locked = semaphores.X.Value == 0,
            Corruption = semaphores.X.Value > 1 ? $"X = {semaphores.X.Value}, but the broadcaster lock is 0 or 1"
                : n > 1 ? $"N = {n}, but it is 0 or 1"
                : null,
        };
    }
}
