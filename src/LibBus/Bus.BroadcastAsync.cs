namespace LibBus;

public sealed partial class Bus
{
    private BroadcastQueue? _broadcastQueue;

    /// <summary>
    /// Broadcasts <paramref name="message"/> and returns a task that completes once every listener
    /// has copied it. Calls on one <see cref="Bus"/> are sent one at a time, in call order. With
    /// nothing queued or being sent, the call starts on the calling thread and waits there only
    /// briefly (at most about 1 ms to take the bus, and again for the acknowledgements): delivered
    /// by then, it returns a completed task. Otherwise the rest is left to one broadcasting thread
    /// per handle, however many calls are pending (a System V semaphore wait cannot be awaited).
    /// The message is validated before this returns.
    /// </summary>
    /// <param name="message">At most 2047 bytes of UTF-8, no NUL.</param>
    /// <param name="timeout">Limit from this call to the delivery, time spent behind this
    /// process's earlier broadcasts included: a call still queued behind them at its deadline
    /// fails then, unsent; null for none.</param>
    /// <param name="cancellationToken">Cancelled while still queued: the message is taken out of
    /// the queue and never sent. Once being sent: as for <see cref="Broadcast(string, TimeSpan?, CancellationToken)"/>.</param>
    /// <exception cref="BusMessageInvalidException">Thrown at once: the message is not valid; nothing is queued.</exception>
    /// <exception cref="ArgumentNullException">Thrown at once: <paramref name="message"/> is null; nothing is queued.</exception>
    /// <remarks>
    /// The task faults with <see cref="BusTimeoutException"/>, <see cref="BusRemovedException"/>,
    /// <see cref="BusDeadlockException"/> (see <see cref="Subscribe(int)"/>) or
    /// <see cref="ObjectDisposedException"/> if this handle is disposed before the message was sent.
    /// </remarks>
    public Task BroadcastAsync(string message, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        int length = BusMessage.Validate(message);
        return Queue().Enqueue(message, default, length, timeout, cancellationToken);
    }

    /// <summary>
    /// Raw-bytes form of <see cref="BroadcastAsync(string, TimeSpan?, CancellationToken)"/>. The
    /// bytes are not copied: leave them unchanged until the task completes.
    /// </summary>
    /// <exception cref="BusMessageInvalidException">Thrown at once: the bytes contain NUL or are over 2047.</exception>
    public Task BroadcastAsync(ReadOnlyMemory<byte> message, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        int length = BusMessage.Validated(message.Span).Length;
        return Queue().Enqueue(null, message, length, timeout, cancellationToken);
    }

    /// <summary>A <see cref="BusMessage"/> form of <see cref="BroadcastAsync(string, TimeSpan?, CancellationToken)"/>.</summary>
    public Task BroadcastAsync(BusMessage message, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        return Queue().Enqueue(null, message.Bytes, message.Bytes.Length, timeout, cancellationToken);
    }

    /// <summary>How many <c>BroadcastAsync</c> calls on this handle wait for their turn (not counting the one being sent).</summary>
    public int PendingBroadcasts => _broadcastQueue?.Count ?? 0;

    /// <summary>What <see cref="BroadcastInline"/> got done on the calling thread.</summary>
    internal enum InlineBroadcast
    {
        /// <summary>The bus was not free within the wait: nothing done.</summary>
        NotStarted,

        /// <summary>Published, the bus still taken: <see cref="FinishDelivery"/> is left to do.</summary>
        Published,

        /// <summary>Delivered: every listener copied it.</summary>
        Delivered,
    }

    /// <summary>
    /// BroadcastAsync's start on the calling thread: the synchronous broadcast's steps, with each
    /// of its two waits (step 1, taking the bus; step 4, the acknowledgements) stopping after at
    /// most <paramref name="wait"/>, to hand what is left over to the broadcasting thread.
    /// </summary>
    /// <param name="text">The validated message as text, or null for <paramref name="bytes"/>.</param>
    /// <param name="bytes">The validated message as bytes, when <paramref name="text"/> is null.</param>
    /// <param name="length">The length of the validated message.</param>
    /// <param name="deadline">The call's timeout.</param>
    /// <param name="wait">The most each wait takes here.</param>
    /// <param name="cancellationToken">As for the synchronous broadcast.</param>
    /// <exception cref="BusTimeoutException"><paramref name="deadline"/> passed.</exception>
    internal InlineBroadcast BroadcastInline(string? text, ReadOnlySpan<byte> bytes, int length, Deadline deadline, TimeSpan wait,
        CancellationToken cancellationToken)
    {
        ThrowIfCannot(BusAccess.Broadcast);

        // 1. {P(X)u, Z(W), V(N)u, V(Q)}: waiting longer is the sending thread's, which watches for the self-deadlock
        if (!Briefly(static (s, d, c, n) => s.TakeBus(n, d, c), deadline.Within(wait), cancellationToken))
        {
            if (deadline.HasPassed) throw TakeTimedOut();
            return InlineBroadcast.NotStarted;
        }
        // 2. write; 3. Q := 0
        WriteAndPublish(text, bytes, length);
        // 4. Z(S), briefly (the rest is the sending thread's); 5. {P(N)u, V(X)u}
        return FinishDelivery(deadline.Within(wait), deadline, cancellationToken, spinFirst: true)
            ? InlineBroadcast.Delivered
            : InlineBroadcast.Published;
    }

    /// <summary>No-wait tries of an operation before it waits on its own (<see cref="Briefly"/>).</summary>
    private const int BriefTries = 20;

    /// <summary>
    /// One wait of a broadcast started on the calling thread: up to <see cref="BriefTries"/>
    /// no-wait tries of <paramref name="operation"/>, spinning or yielding the CPU between them
    /// (to a listener on its way), all within <paramref name="wait"/>, then the operation waiting
    /// until <paramref name="wait"/>.
    /// A listener that answers within the tries costs no kernel timer (a timed semop arms one).
    /// </summary>
    private bool Briefly(Func<Semaphores, Deadline, CancellationToken, bool, bool> operation, Deadline wait, CancellationToken cancellationToken)
    {
        SpinWait spin = default;
        while (spin.Count < BriefTries && !wait.HasPassed) // a yield can last a time slice on a busy CPU
        {
            if (operation(_semaphores, wait, cancellationToken, true)) return true;
            spin.SpinOnce(sleep1Threshold: -1);
        }
        return operation(_semaphores, wait, cancellationToken, false);
    }

    private BroadcastQueue Queue()
    {
        ThrowIfCannot(BusAccess.Broadcast);
        if (_broadcastQueue is { } queue) return queue;
        Interlocked.CompareExchange(ref _broadcastQueue, new BroadcastQueue(this), null);
        return _broadcastQueue;
    }
}
