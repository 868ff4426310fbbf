using System.Diagnostics;
using System.Runtime.CompilerServices;
using static LibBus.Interop.Libc;

namespace LibBus;

/// <summary>
/// The semaphore array of one bus and the steps of PROTOCOL.md's hardened
/// algorithm, one method per step. Each step is exactly one <c>semop</c> (or
/// <c>semctl</c>) call: the grouping of operations inside a step is what keeps
/// the bus from wedging, so never split a step. Between steps, the waits that shield
/// C listeners change no semaphore, nor do the reads that decide whether they are needed:
/// the bounded ones (<see cref="AwaitListenersAsleep"/>, <see cref="AwaitOthersQueued"/>:
/// at most <see cref="SettleBound"/>) and a listener's <see cref="AwaitDeliveryOver"/>,
/// step 5's own blocking <c>Z(N)</c> alone, which waits as long as step 5 would (its
/// deadline, no-wait and cancellation).
/// </summary>
/// <remarks>
/// Notation as in PROTOCOL.md: P(a) waits for a ≥ 1 and decrements, V(a)
/// increments, Z(a) waits for a = 0, u is SEM_UNDO.
/// The operation sets live on the stack of the step that issues them, written whole by their
/// initializers, so they are not zeroed first (<see cref="SkipLocalsInitAttribute"/>).
/// </remarks>
[SkipLocalsInit]
internal sealed unsafe class Semaphores(int id, string path)
{
    /// <summary>Listeners currently counted in a delivery.</summary>
    internal const ushort S = 0;
    /// <summary>Listeners that have been released with a message and have not yet re-queued.</summary>
    internal const ushort W = 1;
    /// <summary>The broadcaster lock.</summary>
    internal const ushort X = 2;
    /// <summary>The gate listeners queue on; 0 releases them.</summary>
    internal const ushort Q = 3;
    /// <summary>1 while a delivery is in progress.</summary>
    internal const ushort N = 4;

    /// <summary>Number of semaphores in a bus array.</summary>
    internal const int Count = 5;

    /// <summary>Initial values, in index order: S W X Q N.</summary>
    internal static ReadOnlySpan<ushort> InitialValues => [0, 0, 1, 0, 0];

    /// <summary>
    /// Longest wait for listeners to fall asleep on N before a delivery ends (broadcaster), or
    /// for the others to queue again before a re-queue (listener): PROTOCOL.md's bounded waits
    /// that shield C listeners.
    /// </summary>
    internal static readonly TimeSpan SettleBound = TimeSpan.FromMilliseconds(5);

    private const short Undo = SEM_UNDO;
    private const short NoWait = IPC_NOWAIT;

    internal int Id => id;

    /// <summary>An EINTR ends a wait instead of re-issuing it: a bus opened through the C ABI (<see cref="CallerInterruption"/>).</summary>
    internal bool WaitsEndOnInterruption { get; set; }

    // ----- Broadcast -----

    /// <summary>Broadcast step 1: <c>{P(X)u, Z(W), V(N)u, V(Q)}</c>. False if busy (no-wait) or timed out.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal bool TakeBus(bool noWait, Deadline deadline, CancellationToken cancellationToken)
    {
        short flag = noWait ? NoWait : (short)0;
        SemBuf* ops = stackalloc SemBuf[4]
        {
            new(X, -1, (short)(Undo | flag)),
            new(W, 0, flag),
            new(N, 1, Undo),
            new(Q, 1, 0),
        };
        return Apply(ops, 4, noWait, deadline, cancellationToken, "taking the bus");
    }

    /// <summary>
    /// Broadcast step 1 as the C library's <c>BUS_NOWAIT</c> takes the bus: the same one call
    /// <c>{P(X)u, Z(W), V(N)u, V(Q)}</c>, with <c>IPC_NOWAIT</c> on <c>P(X)</c> alone. The kernel
    /// tries the operations in order: while another broadcaster holds X the call fails at once
    /// (<see cref="Take.Busy"/>); with X free it waits, within <paramref name="deadline"/>, for the
    /// listeners still busy with the previous message (W), and fails as busy if another
    /// broadcaster takes X first meanwhile.
    /// </summary>
    internal Take TakeBusIfFree(Deadline deadline, CancellationToken cancellationToken)
    {
        SemBuf* ops = stackalloc SemBuf[4]
        {
            new(X, -1, (short)(Undo | NoWait)),
            new(W, 0, 0),
            new(N, 1, Undo),
            new(Q, 1, 0),
        };
        if (Apply(ops, 4, noWait: true, deadline, cancellationToken, "taking the bus", blocks: true)) return Take.Taken;
        // EAGAIN: from P(X), or from semtimedop once the deadline passed (the kernel's timer never fires early).
        return deadline.HasPassed ? Take.TimedOut : Take.Busy;
    }

    /// <summary>What <see cref="TakeBusIfFree"/> did.</summary>
    internal enum Take
    {
        /// <summary>The bus is taken: go on with step 2.</summary>
        Taken,
        /// <summary>Another broadcaster holds the bus; nothing was taken.</summary>
        Busy,
        /// <summary>The deadline passed while listeners were still busy with the previous message; nothing was taken.</summary>
        TimedOut,
    }

    /// <summary>Broadcast step 3: <c>Q := 0</c>, releasing every queued listener at once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void Publish()
    {
        if (SemCtl(id, Q, SETVAL, 0) != 0)
            BusErrors.Throw(Interop.Errors.SystemErrno, path, "publishing");
    }

    /// <summary>Broadcast step 4: <c>Z(S)</c>, every counted listener has acknowledged. False if not yet (no-wait) or timed out.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal bool AwaitAcknowledgements(Deadline deadline, CancellationToken cancellationToken, bool noWait = false)
    {
        SemBuf* ops = stackalloc SemBuf[1] { new(S, 0, noWait ? NoWait : (short)0) };
        return Apply(ops, 1, noWait, deadline, cancellationToken, "waiting for listeners");
    }

    /// <summary>
    /// Before broadcast step 3, or before listen step 2: the number of listeners asleep in Listen
    /// step 2 (<c>GETZCNT</c> of Q), to compare with W just after the publish
    /// (<see cref="ReleasedAtOnce"/>, <see cref="ObserveRelease"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal int QueuedAsleep() => Math.Max(0, SemCtl(id, Q, GETZCNT));

    /// <summary>
    /// Just after broadcast step 3: whether the publish itself released, by raising W, every
    /// listener that slept in its wait for Q before it (W has reached <paramref name="asleep"/>,
    /// from <see cref="QueuedAsleep"/>). A hardened listener's step 2 raises W in the instant of the
    /// publish; a C listener sleeps in a plain <c>Z(Q)</c> and raises W only after its callback.
    /// A hardened listener that was not yet asleep (a busy CPU) counts on neither side, so a bus of
    /// LibBus listeners always looks released. A C listener whose callback ended before this read
    /// looks released: that look misses it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal bool ReleasedAtOnce(int asleep) => asleep == 0 || SemCtl(id, W, GETVAL) >= asleep;

    /// <summary>
    /// Between broadcast steps 4 and 5: waits, at most <see cref="SettleBound"/>, until every
    /// listener holding W sleeps on N (<c>GETZCNT</c> of N ≥ <c>GETVAL</c> of W). A C listener
    /// that acknowledged reaches its own <c>Z(S)</c> before it sleeps in <c>Z(N)</c>; ending the
    /// delivery before that lets a re-queue raise S under it (PROTOCOL.md, steps 4 and 5).
    /// Changes no semaphore; yields the CPU between reads, to the listeners it waits for. A
    /// listener that defers its re-queue holds W without sleeping on N: the bound is what it costs.
    /// </summary>
    internal void AwaitListenersAsleep()
    {
        long start = Stopwatch.GetTimestamp();
        while (true)
        {
            int holding = SemCtl(id, W, GETVAL);
            if (holding <= 0) return; // none, or the bus is gone: step 5 reports that
            int asleep = SemCtl(id, N, GETZCNT);
            if (asleep < 0 || asleep >= holding) return;
            if (Stopwatch.GetElapsedTime(start) >= SettleBound) return;
            Thread.Yield();
        }
    }

    /// <summary>Broadcast step 5: <c>{P(N)u, V(X)u}</c>, ending the delivery and releasing the bus. Never waits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void EndDelivery()
    {
        SemBuf* ops = stackalloc SemBuf[2]
        {
            new(N, -1, (short)(Undo | NoWait)),
            new(X, 1, Undo),
        };
        Apply(ops, 2, noWait: true, Deadline.Infinite, CancellationToken.None, "ending the delivery");
    }

    /// <summary>
    /// Giving up broadcast step 4 (timeout, cancellation, an error): step 5 with Q raised,
    /// <c>{P(N)u, V(X)u, V(Q)}</c>. A listener counted at the publish that had not yet reached
    /// its wait then waits for the next publish instead of passing its wait while the next
    /// broadcaster writes: a C broadcaster writes without raising Q (PROTOCOL.md, "Timeouts and
    /// cancellation").
    /// On ERANGE, Q is bounded and the call retried, as for every call that raises Q
    /// (<see cref="Apply"/>); if that still fails, plain step 5, <c>{P(N)u, V(X)u}</c>.
    /// Never waits. Returns S just before, the number of listeners that had not acknowledged.
    /// </summary>
    internal int GiveUpDelivery()
    {
        int unacknowledged = SemCtl(id, S, GETVAL);
        SemBuf* ops = stackalloc SemBuf[3]
        {
            new(N, -1, (short)(Undo | NoWait)),
            new(X, 1, Undo),
            new(Q, 1, 0),
        };
        try
        {
            Apply(ops, 3, noWait: true, Deadline.Infinite, CancellationToken.None, "giving up the delivery");
        }
        catch (BusException e) when (e.Errno == Interop.Errors.ERANGE)
        {
            EndDelivery(); // Q stays at the kernel's maximum, raised all the same
        }
        return Math.Max(0, unacknowledged);
    }

    // ----- Listen -----

    /// <summary>Listen step 1, join: <c>{Z(W), Z(N), V(S)u, V(Q)}</c>. False on timeout.</summary>
    internal bool Join(Deadline deadline, CancellationToken cancellationToken)
    {
        SemBuf* ops = stackalloc SemBuf[4]
        {
            new(W, 0, 0),
            new(N, 0, 0),
            new(S, 1, Undo),
            new(Q, 1, 0),
        };
        return Apply(ops, 4, noWait: false, deadline, cancellationToken, "joining");
    }

    /// <summary>
    /// LibBus note, after a join (a separate no-wait call, not part of any step):
    /// <c>{Q -= <paramref name="take"/>, Q += 1}</c>, lowering Q by
    /// <paramref name="take"/> - 1 if it is at least <paramref name="take"/> (never to 0), else
    /// nothing. Only whether Q is 0 matters to anyone, and joins raise it while only a publish
    /// resets it: without this, 32,767 joins between two broadcasts would leave every
    /// V(Q) failing with ERANGE. True if lowered.
    /// </summary>
    internal bool LowerQueue(short take = 2)
    {
        SemBuf* ops = stackalloc SemBuf[2]
        {
            new(Q, (short)-take, NoWait),
            new(Q, 1, 0),
        };
        return SemOp(id, ops, 2) == 0;
    }

    /// <summary>Listen step 2, wait: <c>{Z(Q), V(W)u}</c>. False if no message (no-wait) or timed out.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal bool AwaitMessage(bool noWait, Deadline deadline, CancellationToken cancellationToken)
    {
        short flag = noWait ? NoWait : (short)0;
        SemBuf* ops = stackalloc SemBuf[2]
        {
            new(Q, 0, flag),
            new(W, 1, Undo),
        };
        return Apply(ops, 2, noWait, deadline, cancellationToken, "waiting for a message");
    }

    /// <summary>Listen step 4, acknowledge: <c>{P(S)u}</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void Acknowledge()
    {
        SemBuf* ops = stackalloc SemBuf[1] { new(S, -1, (short)(Undo | NoWait)) };
        Apply(ops, 1, noWait: true, Deadline.Infinite, CancellationToken.None, "acknowledging");
    }

    /// <summary>
    /// Just after listen step 2 (<c>GETALL</c>), with <paramref name="asleep"/> read just before
    /// it (<see cref="QueuedAsleep"/>): whether the publish released, by raising W, every listener
    /// that slept in its wait for Q then, as it does hardened listeners (W ≥ asleep + 1, this one
    /// included), and whether a counted listener does not hold W (S &gt; W). Those asleep before this
    /// listener's wait are released by the same publish as it, and none can lower W before its
    /// acknowledgement: a shortfall is a C listener, whose plain <c>Z(Q)</c> does not raise W (or a
    /// listener that left in that instant). S &gt; W is only a hint: a C listener in its callback, or
    /// a hardened listener that a busy CPU had not yet let reach its wait, looks the same.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal Release ObserveRelease(int asleep)
    {
        ushort* values = stackalloc ushort[Count];
        if (SemCtl(id, 0, GETALL, values) != 0) return new(false, false, 0); // the next step reports a removed bus
        return new(values[W] < asleep + 1, values[S] > values[W], values[W]);
    }

    /// <summary>What a listener saw just after its release.</summary>
    /// <param name="SawCListener">A listener asleep before this one's wait did not raise W at the publish: a C one.</param>
    /// <param name="MaybeCListener">A counted listener did not hold W (S &gt; W): maybe a C one, in its callback.</param>
    /// <param name="ReleasedAtOnce">W: the listeners holding it just after the release, this one included.</param>
    internal readonly record struct Release(bool SawCListener, bool MaybeCListener, int ReleasedAtOnce);

    /// <summary>
    /// Before listen step 5: its own blocking operation alone, <c>Z(N)</c>: waits until the
    /// delivery is over, changing nothing. While this listener holds W no broadcaster can start
    /// the next delivery, so N stays 0 until it re-queues. False if the delivery is still on
    /// (no-wait) or the deadline passed.
    /// </summary>
    internal bool AwaitDeliveryOver(bool noWait, Deadline deadline, CancellationToken cancellationToken)
    {
        short flag = noWait ? NoWait : (short)0;
        SemBuf* ops = stackalloc SemBuf[1] { new(N, 0, flag) };
        return Apply(ops, 1, noWait, deadline, cancellationToken, "re-queueing");
    }

    /// <summary>
    /// After <see cref="AwaitDeliveryOver"/>, before listen step 5: waits, at most
    /// <see cref="SettleBound"/>, until every other listener has queued again, as far as a C
    /// listener matters: none but those released at once with this one still holds W
    /// (W ≤ <paramref name="releasedAtOnce"/>) and each listener counted again has
    /// raised Q (S ≤ Q; one <c>GETALL</c> per look). A C listener restores with <c>V(S)u</c>,
    /// <c>P(W)u</c> and only then <c>V(Q)</c>, three calls: if its <c>P(W)</c> lowers W to 0, a
    /// broadcaster can take the bus and publish before its <c>V(Q)</c>, and it then sleeps on
    /// Q = 1 while counted (race 1). A hardened re-queue completes the instant N falls, so without
    /// this wait the C listener's <c>P(W)</c> is nearly always the one that frees the bus; with
    /// it, this listener's re-queue is, and that re-queue raises Q in the same call. It also
    /// raises S only once the C listener is past its <c>Z(S)</c> (race 3). S and Q count from 0
    /// here: S reached 0 before the delivery ended, Q was set to 0 by its publish, and while this
    /// listener holds W no broadcaster can raise Q again, except one giving up step 4 (its step 5
    /// raises Q: the hold then ends early, which is harmless, as the hold only shields), so every
    /// V(S) and V(Q) since are those of listeners restoring (or of a C listener joining: V(S)
    /// then V(Q), also waited for).
    /// Changes no semaphore; yields the CPU between reads, to the listeners it waits for.
    /// </summary>
    /// <param name="releasedAtOnce">W as this listener read it just after its release (<see cref="ObserveRelease"/>).</param>
    internal void AwaitOthersQueued(int releasedAtOnce)
    {
        long start = Stopwatch.GetTimestamp();
        while (!OthersQueued(releasedAtOnce) && Stopwatch.GetElapsedTime(start) < SettleBound)
            Thread.Yield();
    }

    /// <summary>
    /// What <see cref="AwaitOthersQueued"/> waits for, one <c>GETALL</c>: W ≤
    /// <paramref name="releasedAtOnce"/> and S ≤ Q. True also if the array is gone (the re-queue
    /// reports a removed bus).
    /// </summary>
    internal bool OthersQueued(int releasedAtOnce)
    {
        ushort* values = stackalloc ushort[Count];
        if (SemCtl(id, 0, GETALL, values) != 0) return true;
        return values[W] <= releasedAtOnce && values[S] <= values[Q];
    }

    /// <summary>Listen step 5, re-queue: <c>{Z(N), V(S)u, P(W)u, V(Q)}</c>. False if the delivery is still on (no-wait) or timed out.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal bool Requeue(bool noWait, Deadline deadline, CancellationToken cancellationToken)
    {
        short flag = noWait ? NoWait : (short)0;
        SemBuf* ops = stackalloc SemBuf[4]
        {
            new(N, 0, flag),
            new(S, 1, Undo),
            new(W, -1, Undo),
            new(Q, 1, 0),
        };
        return Apply(ops, 4, noWait, deadline, cancellationToken, "re-queueing");
    }

    /// <summary>Leaving while queued (before or in step 2): <c>{P(S)u}</c>.</summary>
    internal void LeaveQueued()
    {
        SemBuf* ops = stackalloc SemBuf[1] { new(S, -1, (short)(Undo | NoWait)) };
        Apply(ops, 1, noWait: true, Deadline.Infinite, CancellationToken.None, "leaving");
    }

    /// <summary>Leaving after a copy, before acknowledging: <c>{P(S)u, P(W)u}</c>.</summary>
    internal void LeaveCopied()
    {
        SemBuf* ops = stackalloc SemBuf[2]
        {
            new(S, -1, (short)(Undo | NoWait)),
            new(W, -1, (short)(Undo | NoWait)),
        };
        Apply(ops, 2, noWait: true, Deadline.Infinite, CancellationToken.None, "leaving");
    }

    /// <summary>Leaving after acknowledging, instead of step 5: <c>{P(W)u}</c>.</summary>
    internal void LeaveAcknowledged()
    {
        SemBuf* ops = stackalloc SemBuf[1] { new(W, -1, (short)(Undo | NoWait)) };
        Apply(ops, 1, noWait: true, Deadline.Infinite, CancellationToken.None, "leaving");
    }

    // ----- Inspection -----

    /// <summary>The five values S W X Q N (<c>semctl GETALL</c>), for diagnostics and tests.</summary>
    internal ushort[] GetValues()
    {
        ushort[] values = new ushort[Count];
        fixed (ushort* p = values)
        {
            if (SemCtl(id, 0, GETALL, p) != 0)
                BusErrors.Throw(Interop.Errors.LastErrno, path, "reading the semaphores");
        }
        return values;
    }

    // ----- The one place a semop is issued -----

    /// <summary>How often one call re-bounds Q after ERANGE before giving up (others may raise it meanwhile).</summary>
    private const int MaxQueueBounds = 8;

    private static bool RaisesQueue(SemBuf* ops, int count)
    {
        for (int i = 0; i < count; i++)
            if (ops[i].SemNum == Q && ops[i].SemOp > 0) return true;
        return false;
    }

    /// <summary>
    /// After ERANGE from a set that raises Q (Q at the kernel's maximum, SEMVMX, from a
    /// bus of a LibBus before bounded Q or a C program): lowers Q to 1 in one no-wait call,
    /// <c>{Q -= q, Q += 1}</c> with q its value just read, which fails harmlessly if Q
    /// changed meanwhile. True if Q is now below the maximum, so the set may be retried.
    /// </summary>
    private bool BoundQueue()
    {
        int q = SemCtl(id, Q, GETVAL);
        if (q < 2) return false; // ERANGE from another semaphore: report it
        return LowerQueue((short)Math.Min(q, short.MaxValue)) || SemCtl(id, Q, GETVAL) < short.MaxValue;
    }

    /// <summary>
    /// Applies one operation set. EINTR re-issues the same call (nothing was applied), unless the
    /// C ABI asked for it to end the call (<see cref="CallerInterruption.EndsWait"/>). One
    /// blocking <c>semop</c>, or <c>semtimedop</c> for the time left before a deadline: no
    /// slices, so an idle wait makes no system call. A cancellable wait is interrupted by a
    /// signal to this thread when the token is cancelled (<see cref="WaitInterruption"/>), and
    /// only this waiting call is re-issued. Returns false on EAGAIN from a no-wait set or on timeout.
    /// </summary>
    /// <remarks>
    /// <c>noWait</c>: an operation of the set has IPC_NOWAIT, and its EAGAIN is an answer (false).
    /// <c>blocks</c>: the set may wait all the same (IPC_NOWAIT on some operations only), within
    /// the deadline and cancellably; by default, <c>!noWait</c>.
    /// A set that does not wait, or waits without a deadline or a token to cancel it (every step
    /// of a C program's <c>bus_write</c> and <c>bus_read</c>), is one plain <c>semop</c> with
    /// nothing armed around it, inlined into its step; errno is read only when it fails.
    /// </remarks>
    /// <exception cref="OperationCanceledException">Cancelled; nothing was applied.</exception>
    /// <exception cref="BusRemovedException">The array was removed.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Apply(SemBuf* ops, int count, bool noWait, Deadline deadline, CancellationToken cancellationToken, string operation, bool? blocks = null)
    {
        bool waits = blocks ?? !noWait;
        if (waits && (!deadline.IsInfinite || cancellationToken.CanBeCanceled))
            return ApplyArmed(ops, count, noWait, deadline, cancellationToken, operation);
        cancellationToken.ThrowIfCancellationRequested();
        return SemOp(id, ops, (nuint)count) == 0
            || ApplyFailed(Interop.Errors.SystemErrno, ops, count, noWait, cancellationToken, operation);
    }

    /// <summary>
    /// <see cref="Apply"/>'s plain <c>semop</c> failed with <paramref name="errno"/>: the answer,
    /// or the same call again until there is one.
    /// </summary>
    private bool ApplyFailed(int errno, SemBuf* ops, int count, bool noWait, CancellationToken cancellationToken, string operation)
    {
        int bounded = 0;
        while (true)
        {
            if (Answer(errno, ops, count, noWait, timed: false, Deadline.Infinite, ref bounded, operation) is { } answer)
                return answer;
            cancellationToken.ThrowIfCancellationRequested();
            if (SemOp(id, ops, (nuint)count) == 0) return true;
            errno = Interop.Errors.SystemErrno;
        }
    }

    /// <summary>
    /// <see cref="Apply"/> for a set that waits with a deadline (<c>semtimedop</c> for the time
    /// left) or cancellably (armed for <see cref="WaitInterruption"/> around the wait).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool ApplyArmed(SemBuf* ops, int count, bool noWait, Deadline deadline, CancellationToken cancellationToken, string operation)
    {
        bool timed = !deadline.IsInfinite;
        WaitInterruption? interruption = cancellationToken.CanBeCanceled ? WaitInterruption.Current : null;
        CancellationTokenRegistration registration = interruption?.Arm(cancellationToken) ?? default;
        try
        {
            int bounded = 0;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int result;
                if (!timed)
                {
                    result = SemOp(id, ops, (nuint)count);
                }
                else
                {
                    long ticks = deadline.Remaining.Ticks;
                    TimeSpec timeout = new()
                    {
                        TvSec = (nint)(ticks / TimeSpan.TicksPerSecond),
                        TvNsec = (nint)(ticks % TimeSpan.TicksPerSecond * 100),
                    };
                    result = SemTimedOp(id, ops, (nuint)count, &timeout);
                }
                if (result == 0) return true;
                if (Answer(Interop.Errors.SystemErrno, ops, count, noWait, timed, deadline, ref bounded, operation) is { } answer)
                    return answer;
            }
        }
        finally
        {
            interruption?.Disarm(registration);
        }
    }

    /// <summary>
    /// What a failed set's <paramref name="errno"/> means: null to re-issue the same call (nothing
    /// was applied), false for EAGAIN as an answer (no-wait, or the deadline passed), else throws.
    /// </summary>
    private bool? Answer(int errno, SemBuf* ops, int count, bool noWait, bool timed, Deadline deadline, ref int bounded, string operation)
    {
        switch (errno)
        {
            case var _ when BusErrors.IsInterrupted(errno) && !CallerInterruption.EndsWait(this):
                return null; // cancellation is checked before the call
            case Interop.Errors.EAGAIN when noWait:
                return false;
            case Interop.Errors.EAGAIN when timed:
                return deadline.HasPassed ? false : null;
            case Interop.Errors.ERANGE when RaisesQueue(ops, count) && ++bounded <= MaxQueueBounds && BoundQueue():
                return null; // nothing was applied; Q is back to 1
            default:
                BusErrors.Throw(errno, path, operation);
                return false;
        }
    }
}
