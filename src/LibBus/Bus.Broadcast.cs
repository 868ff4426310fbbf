using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace LibBus;

public sealed partial class Bus
{
    /// <summary>
    /// Broadcasts <paramref name="message"/> and returns once every listener has
    /// copied it. The message is validated before the bus is touched.
    /// </summary>
    /// <param name="message">At most 2047 bytes of UTF-8, no NUL.</param>
    /// <param name="timeout">Limit for the whole delivery, slow listeners included; null for none.</param>
    /// <param name="cancellationToken">Cancels the wait; the bus stays usable.</param>
    /// <exception cref="BusMessageInvalidException">The message is not valid; nothing was sent.</exception>
    /// <exception cref="BusTimeoutException">The timeout fired; see <see cref="BusTimeoutException.UnacknowledgedListeners"/>.</exception>
    /// <exception cref="OperationCanceledException">Cancelled. If the message was already published, listeners that had not copied it may miss it.</exception>
    /// <exception cref="BusRemovedException">The bus was removed.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="message"/> is null; nothing was sent.</exception>
    public void Broadcast(string message, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        BroadcastCore(message, default, timeout, cancellationToken);
    }

    /// <summary>Broadcasts raw message bytes; see <see cref="Broadcast(string, TimeSpan?, CancellationToken)"/>.</summary>
    public void Broadcast(ReadOnlySpan<byte> message, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        => BroadcastCore(null, message, timeout, cancellationToken);

    /// <summary>Broadcasts a message; see <see cref="Broadcast(string, TimeSpan?, CancellationToken)"/>.</summary>
    public void Broadcast(BusMessage message, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        BroadcastCore(null, message.Bytes.Span, timeout, cancellationToken);
    }

    /// <summary>
    /// Broadcasts without ever waiting long, as <c>ChannelWriter.TryWrite</c> writes: true once
    /// every listener has copied the message; false, at once, having sent nothing, while another
    /// broadcaster holds the bus; false, within <paramref name="timeout"/> (by default
    /// <see cref="TryBroadcastTimeout"/>), if the listeners are slower than that: then either a
    /// listener was still busy with the previous message (nothing was sent), or some listeners had
    /// not copied this one (the delivery was given up through the protocol's give-up step, as a
    /// timed-out <see cref="Broadcast(string, TimeSpan?, CancellationToken)"/> does: those that
    /// had copied it keep it, the others miss it). A stopped or stalled listener never holds it
    /// longer. On a bus nobody else uses it returns true: the short wait covers this process's own
    /// listeners on their way back to the next message.
    /// </summary>
    /// <param name="message">At most 2047 bytes of UTF-8, no NUL.</param>
    /// <param name="timeout">The most it waits for listeners, in all; null for <see cref="TryBroadcastTimeout"/>.</param>
    /// <param name="cancellationToken">Cancels the wait; the bus stays usable.</param>
    /// <exception cref="BusMessageInvalidException">The message is not valid; nothing was sent.</exception>
    /// <exception cref="OperationCanceledException">Cancelled. If the message was already published, listeners that had not copied it may miss it.</exception>
    /// <exception cref="BusRemovedException">The bus was removed.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="message"/> is null; nothing was sent.</exception>
    public bool TryBroadcast(string message, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        return TryBroadcastCore(message, default, timeout, cancellationToken);
    }

    /// <summary>Raw-bytes form of <see cref="TryBroadcast(string, TimeSpan?, CancellationToken)"/>.</summary>
    public bool TryBroadcast(ReadOnlySpan<byte> message, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        => TryBroadcastCore(null, message, timeout, cancellationToken);

    /// <summary>
    /// How long <see cref="TryBroadcast(string, TimeSpan?, CancellationToken)"/> waits for listeners
    /// when no timeout is given: 250 ms.
    /// </summary>
    public static TimeSpan TryBroadcastTimeout { get; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Broadcasts unless another broadcaster holds the bus, as the C library's <c>bus_write</c>
    /// with <c>BUS_NOWAIT</c> and <c>bus broadcast -n</c> do: returns false at once, having sent
    /// nothing, while another broadcaster holds it. Otherwise it is
    /// <see cref="Broadcast(string, TimeSpan?, CancellationToken)"/>: it waits for listeners still
    /// busy with the previous message, then until every listener has copied this one, within
    /// <paramref name="timeout"/> (a stopped listener, without one: forever). For a call that
    /// never waits long, see <see cref="TryBroadcast(string, TimeSpan?, CancellationToken)"/>.
    /// </summary>
    /// <param name="message">At most 2047 bytes of UTF-8, no NUL.</param>
    /// <param name="timeout">Limit for the whole call, waiting for listeners included; null for none.</param>
    /// <param name="cancellationToken">Cancels the wait; the bus stays usable.</param>
    /// <exception cref="BusMessageInvalidException">The message is not valid; nothing was sent.</exception>
    /// <exception cref="BusTimeoutException">The timeout fired; see <see cref="BusTimeoutException.UnacknowledgedListeners"/>.</exception>
    /// <exception cref="OperationCanceledException">Cancelled. If the message was already published, listeners that had not copied it may miss it.</exception>
    /// <exception cref="BusRemovedException">The bus was removed.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="message"/> is null; nothing was sent.</exception>
    public bool BroadcastIfFree(string message, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        return BroadcastIfFreeCore(message, default, timeout, cancellationToken);
    }

    /// <summary>Raw-bytes form of <see cref="BroadcastIfFree(string, TimeSpan?, CancellationToken)"/>.</summary>
    public bool BroadcastIfFree(ReadOnlySpan<byte> message, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        => BroadcastIfFreeCore(null, message, timeout, cancellationToken);

    /// <summary>The shield for C listeners; used only while this handle holds the bus (X).</summary>
    private BroadcasterShield _shield;

    // PROTOCOL.md's hardened broadcast, as libbus.c's bus_write:
    //   1. {P(X)u, Z(W), V(N)u, V(Q)}   TakeBus / TakeBusIfFree
    //   2. write the message             WriteAndPublish
    //   3. Q := 0                        WriteAndPublish (BroadcasterShield.Publish)
    //   4. Z(S)                          FinishDelivery
    //   5. {P(N)u, V(X)u}                FinishDelivery (BroadcasterShield.BeforeEndingDelivery first);
    //      gave up step 4: {P(N)u, V(X)u, V(Q)} (Semaphores.GiveUpDelivery)

    /// <summary>
    /// The broadcast of PROTOCOL.md's hardened algorithm: take, write, publish,
    /// await the acknowledgements, end the delivery. Allocates nothing on success.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void BroadcastCore(string? text, ReadOnlySpan<byte> bytes, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        // Validate first: bad input touches nothing.
        int length = text is null ? BusMessage.Validated(bytes).Length : BusMessage.Validate(text);
        Deadline deadline = Deadline.After(timeout);
        ThrowIfCannot(BusAccess.Broadcast);

        // 1. {P(X)u, Z(W), V(N)u, V(Q)}
        if (!TakeBus(deadline, cancellationToken)) throw TakeTimedOut();
        // 2. write; 3. Q := 0
        WriteAndPublish(text, bytes, length);
        // 4. Z(S); 5. {P(N)u, V(X)u}
        FinishDelivery(deadline, deadline, cancellationToken);
    }

    /// <summary>
    /// <see cref="TryBroadcast(string, TimeSpan?, CancellationToken)"/>: step 1 as the C library's
    /// <c>BUS_NOWAIT</c> takes the bus, and every wait, of step 1 and of step 4, within one deadline;
    /// a step 4 that does not end in time is given up (step 5 all the same).
    /// </summary>
    private bool TryBroadcastCore(string? text, ReadOnlySpan<byte> bytes, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        int length = text is null ? BusMessage.Validated(bytes).Length : BusMessage.Validate(text);
        Deadline deadline = Deadline.After(timeout ?? TryBroadcastTimeout);
        ThrowIfCannot(BusAccess.Broadcast);

        // 1. {P(X)u, Z(W), V(N)u, V(Q)}: false at once while X is taken; W waited for until the deadline
        if (_semaphores.TakeBusIfFree(deadline, cancellationToken) != Semaphores.Take.Taken) return false;
        // 2. write; 3. Q := 0
        WriteAndPublish(text, bytes, length);
        try
        {
            // 4. Z(S); 5. {P(N)u, V(X)u}
            FinishDelivery(deadline, deadline, cancellationToken);
        }
        catch (BusTimeoutException)
        {
            return false; // given up: FinishDelivery ran the give-up step
        }
        return true;
    }

    /// <summary><see cref="BroadcastIfFree(string, TimeSpan?, CancellationToken)"/>: the broadcast with step 1 as <c>BUS_NOWAIT</c> takes the bus.</summary>
    private bool BroadcastIfFreeCore(string? text, ReadOnlySpan<byte> bytes, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        int length = text is null ? BusMessage.Validated(bytes).Length : BusMessage.Validate(text);
        Deadline deadline = Deadline.After(timeout);
        ThrowIfCannot(BusAccess.Broadcast);

        // 1. {P(X)u, Z(W), V(N)u, V(Q)}, IPC_NOWAIT on P(X) alone
        switch (TakeBusIfFree(deadline, cancellationToken))
        {
            case Semaphores.Take.Busy: return false;
            case Semaphores.Take.TimedOut: throw TakeTimedOut();
        }
        // 2. write; 3. Q := 0
        WriteAndPublish(text, bytes, length);
        // 4. Z(S); 5. {P(N)u, V(X)u}
        FinishDelivery(deadline, deadline, cancellationToken);
        return true;
    }

    /// <summary>
    /// Broadcast step 1 (<see cref="Semaphores.TakeBus"/>), waiting in slices of
    /// <see cref="SelfDeadlock.CheckInterval"/> (2 s) to notice the self-deadlock: the one wait of
    /// LibBus that wakes on its own (PROTOCOL.md, "no idle wake-ups"). Each slice that ends
    /// re-issues the same call, which applied nothing; it costs one <c>semtimedop</c> per 2 s
    /// spent waiting for a busy bus, and this broadcaster's place among the processes waiting
    /// in step 1 (Linux completes them in arrival order; a re-issued call arrives anew).
    /// </summary>
    /// <exception cref="BusDeadlockException">This process's own full subscription holds the bus.</exception>
    private bool TakeBus(Deadline deadline, CancellationToken cancellationToken)
    {
        long start = Stopwatch.GetTimestamp();
        while (true)
        {
            TimeSpan interval = SelfDeadlock.CheckInterval(this);
            Deadline slice = deadline.Remaining <= interval ? deadline : Deadline.After(interval);
            if (_semaphores.TakeBus(noWait: false, slice, cancellationToken)) return true;
            if (deadline.HasPassed) return false;
            SelfDeadlock.ThrowIfStalled(this, start);
        }
    }

    /// <summary>
    /// Broadcast step 1 as the C library's <c>BUS_NOWAIT</c> takes the bus
    /// (<see cref="Semaphores.TakeBusIfFree"/>), waiting for the listeners in slices of
    /// <see cref="SelfDeadlock.CheckInterval"/> to notice the self-deadlock.
    /// </summary>
    /// <exception cref="BusDeadlockException">This process's own full subscription holds the bus.</exception>
    private Semaphores.Take TakeBusIfFree(Deadline deadline, CancellationToken cancellationToken)
    {
        long start = Stopwatch.GetTimestamp();
        while (true)
        {
            TimeSpan interval = SelfDeadlock.CheckInterval(this);
            Deadline slice = deadline.Remaining <= interval ? deadline : Deadline.After(interval);
            Semaphores.Take take = _semaphores.TakeBusIfFree(slice, cancellationToken);
            if (take != Semaphores.Take.TimedOut || deadline.HasPassed) return take;
            SelfDeadlock.ThrowIfStalled(this, start);
        }
    }

    /// <summary>The timeout of broadcast step 1, saying what held the bus.</summary>
    private BusTimeoutException TakeTimedOut()
    {
        int busy = _semaphores.GetValues()[Semaphores.W];
        return new BusTimeoutException(busy > 0
            ? $"{Path}: timed out waiting for the bus: {busy} listener(s) still busy with the previous message"
            : $"{Path}: timed out waiting for the bus: another broadcaster holds it", Path, busy);
    }

    /// <summary>
    /// Broadcast steps 2 and 3, the bus taken: writes the message and publishes it (through the
    /// shield, which looks for C listeners now and then). On an error the delivery is given up
    /// (step 5) and the error passed on.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private unsafe void WriteAndPublish(string? text, ReadOnlySpan<byte> bytes, int length)
    {
        // 2. write the message into the segment
        bool added = false;
        try
        {
            _segment.DangerousAddRef(ref added);
            var segment = new Span<byte>((void*)_segment.DangerousGetHandle(), SharedSegmentHandle.Size);
            if (text is null) bytes.CopyTo(segment);
            else BusMessage.StrictUtf8.GetBytes(text, segment);
            segment[length] = 0;
        }
        catch
        {
            GiveUpAfterError();
            throw;
        }
        finally
        {
            if (added) _segment.DangerousRelease();
        }

        try
        {
            // 3. Q := 0
            _shield.Publish(_semaphores);
        }
        catch
        {
            GiveUpAfterError();
            throw;
        }
    }

    /// <summary>
    /// Broadcast steps 4 and 5, the message published: awaits the acknowledgements, then ends the
    /// delivery. The wait in step 4 is the same single <c>Z(S)</c>; it stops at <paramref name="wait"/>
    /// (at most <paramref name="deadline"/>): if that comes first, returns false with the delivery
    /// still on and the bus still taken, for a later call to finish (BroadcastAsync's hand-over
    /// from the calling thread to the broadcasting thread). With <paramref name="spinFirst"/>, the
    /// wait starts as a few no-wait tries (<see cref="Briefly"/>).
    /// </summary>
    /// <exception cref="BusTimeoutException"><paramref name="deadline"/> passed; the delivery was given up.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal bool FinishDelivery(Deadline wait, Deadline deadline, CancellationToken cancellationToken, bool spinFirst = false)
    {
        bool delivered;
        try
        {
            // 4. Z(S)
            delivered = spinFirst
                ? Briefly(static (s, d, c, n) => s.AwaitAcknowledgements(d, c, n), wait, cancellationToken)
                : _semaphores.AwaitAcknowledgements(wait, cancellationToken);
        }
        catch
        {
            // Cancelled or failed once the bus was taken: give the delivery up (step 5 all the
            // same), as a timed-out broadcaster does.
            GiveUpAfterError();
            throw;
        }
        if (!delivered)
        {
            if (!deadline.HasPassed) return false; // only the shorter wait ended
            // 5, having given up step 4: {P(N)u, V(X)u, V(Q)}
            int unacknowledged = _semaphores.GiveUpDelivery();
            throw new BusTimeoutException(
                $"{Path}: timed out: {unacknowledged} listener(s) had not received the message", Path, unacknowledged);
        }

        // Bounded: until every listener holding W sleeps on N, so no C listener is still on its way
        // to its Z(S). Only where C listeners were seen lately.
        _shield.BeforeEndingDelivery(_semaphores);

        // 5. {P(N)u, V(X)u}
        _semaphores.EndDelivery();
        return true;
    }

    /// <summary>
    /// Gives the delivery up while another error is on its way: step 5 as
    /// <c>{P(N)u, V(X)u, V(Q)}</c>. Never throws: if the bus was removed there is nothing to
    /// release, and if this user lost its rights the kernel releases X and N when the process exits.
    /// </summary>
    private void GiveUpAfterError()
    {
        try
        {
            _semaphores.GiveUpDelivery();
        }
        catch (BusException)
        {
        }
    }
}
