namespace LibBus;

/// <summary>
/// What the C ABI (src/LibBus.Native, <c>libbus.so.3</c>) needs of an open bus beyond the public
/// API: the C library's own contracts for <c>bus_write</c> and <c>bus_read</c> on the hardened steps.
/// </summary>
public sealed partial class Bus
{
    /// <summary>
    /// Marks this handle as a C caller's (bus_open): a signal handler that runs while one of its
    /// calls waits ends the call with EINTR, as in the C library (<see cref="CallerInterruption"/>).
    /// </summary>
    internal void WaitAsTheCLibrary() => CallerInterruption.MarkWaitsOf(_semaphores);

    /// <summary>The address where the segment is attached (<c>bus_t.message</c>).</summary>
    internal nint SegmentAddress => _segment.DangerousGetHandle();

    /// <summary>
    /// A broadcast with the C library's contract (bus_write(3)): <paramref name="noWait"/> gives up
    /// only while another broadcaster holds the bus (X), never because a listener still holds the
    /// previous message (W), which is waited for; <paramref name="take"/> bounds getting the bus
    /// (broadcast step 1, X and W) and not the delivery, which waits for every listener. False,
    /// having sent nothing, if the bus was not got (no-wait, or <paramref name="take"/> passed).
    /// </summary>
    /// <param name="message">A C string's bytes (strlen: no NUL, so only the length is checked), at most 2047.</param>
    /// <param name="noWait">BUS_NOWAIT.</param>
    /// <param name="take">The deadline of bus_write_timed; <see cref="Deadline.Infinite"/> for none.</param>
    internal bool BroadcastForC(ReadOnlySpan<byte> message, bool noWait, Deadline take)
    {
        int length = message.Length;
        if (length > BusMessage.MaxLength) BusMessage.Validated(message); // throws: too long
        ThrowIfCannot(BusAccess.Broadcast);

        // 1. {P(X)u, Z(W), V(N)u, V(Q)}; BUS_NOWAIT: IPC_NOWAIT on P(X) alone, as BroadcastIfFree.
        // One wait, as in C (a blocking semop; semtimedop for bus_write_timed), not in slices that
        // look for a self-deadlock: that is a full BusSubscription of this process, and a C
        // process on libbus.so.3 has none (the C ABI makes no subscriptions).
        if (noWait ? _semaphores.TakeBusIfFree(Deadline.Infinite, CancellationToken.None) != Semaphores.Take.Taken
                   : !_semaphores.TakeBus(noWait: false, take, CancellationToken.None))
        {
            return false;
        }
        WriteAndPublish(null, message, length);
        FinishDelivery(Deadline.Infinite, Deadline.Infinite, CancellationToken.None);
        return true;
    }

    /// <summary>
    /// A listener of this handle for bus_read and bus_poll, not yet joined; with
    /// <paramref name="lease"/>, which keeps the segment attached until disposed.
    /// </summary>
    /// <param name="lease">Dispose it once done with the listener.</param>
    /// <param name="leaseOutlivesReceives">
    /// The caller disposes <paramref name="lease"/> only after its last receive, on the same thread
    /// (bus_read): copies then take no reference of their own (<see cref="ListenerSession"/>).
    /// </param>
    internal ListenerSession NewListener(out SegmentLease lease, bool leaseOutlivesReceives = false)
    {
        ThrowIfCannot(BusAccess.Listen);
        lease = new SegmentLease(_segment);
        return new ListenerSession(this, _segment, leaseOutlivesReceives);
    }
}
