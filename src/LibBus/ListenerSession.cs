using System.Runtime.CompilerServices;

namespace LibBus;

/// <summary>
/// One listener's place in PROTOCOL.md's hardened Listen algorithm, step by step (as libbus.c's
/// <c>bus_read</c>), so that every way of listening (callback, async stream, poll, the C ABI)
/// takes the same steps and leaves the bus the one consistent way for where it is. The shield
/// for C listeners is <see cref="ListenerShield"/>, called at three points.
/// </summary>
/// <remarks>
/// "Hold" means one thing here, as in PROTOCOL.md: a listener holds W from its release
/// (step 2) until its re-queue (step 5) or its leave; the next broadcaster waits for it.
/// </remarks>
/// <param name="bus">The bus to listen on.</param>
/// <param name="segment">Its segment, which a <see cref="SegmentLease"/> of the caller keeps attached.</param>
/// <param name="leaseOutlivesReceives">
/// The caller's lease is disposed only after its last receive has returned, on the same thread
/// (<see cref="Bus.ListenBytes(BusBytesHandler, Action?, CancellationToken)"/>, a subscription's
/// thread, <c>bus_read</c>): copies then take no reference of their own. Without it (a poller,
/// whose lease another thread may dispose while one polls), each copy holds the segment for its
/// duration.
/// </param>
internal sealed class ListenerSession(Bus bus, SharedSegmentHandle segment, bool leaseOutlivesReceives = false)
{
    private enum Position
    {
        /// <summary>Not a member of the bus.</summary>
        Out,
        /// <summary>Counted in S and queued on Q: before or in step 2.</summary>
        Queued,
        /// <summary>Released (holding W), counted in S: copying, step 3.</summary>
        Copying,
        /// <summary>Holding W, no longer counted: between step 4 and the end of step 5.</summary>
        Acknowledged,
    }

    private readonly Semaphores _semaphores = bus.Semaphores;
    private Position _position;
    private ListenerShield _shield;

    // PROTOCOL.md's hardened listen, as libbus.c's bus_read:
    //   1. {Z(W), Z(N), V(S)u, V(Q)}     Join (then the bound on Q, a separate no-wait call)
    //   2. {Z(Q), V(W)u}                 Receive (ListenerShield.BeforeWait, .Released around it)
    //   3. copy                          Receive
    //   4. {P(S)u}                       Receive
    //   5. {Z(N), V(S)u, P(W)u, V(Q)}    Requeue (ListenerShield.BeforeRequeue first), at once or
    //                                    deferred to the next Receive; then back to 2
    //   leaving: Leave, the call that matches the position

    internal bool IsJoined => _position != Position.Out;

    /// <summary>Step 1, join. False on timeout (nothing taken).</summary>
    internal bool Join(Deadline deadline, CancellationToken cancellationToken)
    {
        if (_position != Position.Out) throw new InvalidOperationException("already listening");
        // 1. {Z(W), Z(N), V(S)u, V(Q)}
        if (!_semaphores.Join(deadline, cancellationToken)) return false;
        _position = Position.Queued;
        // LibBus note: keep Q bounded (only its being 0 matters); a separate no-wait call.
        _semaphores.LowerQueue();
        return true;
    }

    /// <summary>
    /// Re-queues if the previous message left that pending (step 5), waits for the
    /// next message (step 2), copies it (step 3) and acknowledges (step 4).
    /// Returns null if nothing came in time (or at once, with <paramref name="noWait"/>).
    /// </summary>
    [SkipLocalsInit]
    internal BusMessage? Receive(bool noWait, Deadline deadline, CancellationToken cancellationToken)
    {
        Span<byte> buffer = stackalloc byte[SharedSegmentHandle.Size];
        int length = Receive(buffer, noWait, deadline, cancellationToken);
        return length < 0 ? null : BusMessage.FromReceived(buffer[..length].ToArray());
    }

    /// <summary>
    /// As <see cref="Receive(bool, Deadline, CancellationToken)"/>, copying the message (without
    /// its NUL) into <paramref name="destination"/>, which holds at least
    /// <see cref="SharedSegmentHandle.Size"/> bytes. Returns its length, or -1 if nothing came.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal int Receive(Span<byte> destination, bool noWait, Deadline deadline, CancellationToken cancellationToken)
    {
        if (destination.Length < SharedSegmentHandle.Size) throw new ArgumentException("too small for a message", nameof(destination));
        // 5. of the previous message, if it was left pending
        if (_position == Position.Acknowledged && !Requeue(noWait, deadline, cancellationToken))
            return -1;
        if (_position != Position.Queued) throw new InvalidOperationException("not listening");

        // 2. {Z(Q), V(W)u}
        _shield.BeforeWait(_semaphores);
        if (!_semaphores.AwaitMessage(noWait, deadline, cancellationToken))
        {
            _shield.NothingCame();
            return -1;
        }
        _position = Position.Copying;
        _shield.Released(_semaphores);

        // 3. copy, before acknowledging
        int length = Copy(destination);

        // 4. {P(S)u}
        try
        {
            _semaphores.Acknowledge();
        }
        catch (BusRemovedException)
        {
            // The copy is whole: deliver it; the next step reports the removal.
        }
        _position = Position.Acknowledged;
        return length;
    }

    /// <summary>Step 5, re-queue: <c>{Z(N), V(S)u, P(W)u, V(Q)}</c>. False if not done in time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal bool Requeue(bool noWait, Deadline deadline, CancellationToken cancellationToken)
    {
        if (_position != Position.Acknowledged) return true;
        if (!_shield.BeforeRequeue(_semaphores, noWait, deadline, cancellationToken)) return false;

        // 5. {Z(N), V(S)u, P(W)u, V(Q)}
        if (!_semaphores.Requeue(noWait, deadline, cancellationToken)) return false;
        _position = Position.Queued;
        return true;
    }

    /// <summary>
    /// Leaves the bus the way that matches where this listener is. Never throws: returns null
    /// once left (or if the bus was removed: nothing left to leave), else the error, for the
    /// caller to report. After an error (say, the owner's <c>bus chmod</c> took this user's
    /// rights away) the kernel still undoes this listener's counts when the process exits.
    /// Idempotent.
    /// </summary>
    internal BusException? Leave()
    {
        Position position = _position;
        _position = Position.Out;
        try
        {
            switch (position)
            {
                case Position.Queued: _semaphores.LeaveQueued(); break;
                case Position.Copying: _semaphores.LeaveCopied(); break;
                case Position.Acknowledged: _semaphores.LeaveAcknowledged(); break;
            }
            return null;
        }
        catch (BusRemovedException)
        {
            return null;
        }
        catch (BusException e)
        {
            return e;
        }
    }

    /// <summary>Copies up to the first NUL, at most the whole segment, never past it; returns the length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int Copy(Span<byte> destination)
    {
        if (leaseOutlivesReceives) return CopyFrom(segment, destination);
        bool added = false;
        try
        {
            segment.DangerousAddRef(ref added);
            return CopyFrom(segment, destination);
        }
        finally
        {
            if (added) segment.DangerousRelease();
        }
    }

    /// <summary><see cref="Copy"/> with the segment held.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe int CopyFrom(SharedSegmentHandle segment, Span<byte> destination)
    {
        var source = new ReadOnlySpan<byte>((void*)segment.DangerousGetHandle(), SharedSegmentHandle.Size);
        int length = source.IndexOf((byte)0);
        if (length < 0) length = source.Length;
        source[..length].CopyTo(destination);
        return length;
    }
}
