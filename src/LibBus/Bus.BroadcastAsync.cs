namespace LibBus;

public sealed partial class Bus
{
    private BroadcastQueue? _broadcastQueue;

    /// <summary>
    /// Queues <paramref name="message"/> for this bus's broadcasting thread and returns a task
    /// that completes once every listener has copied it. Calls on one <see cref="Bus"/> are sent
    /// one at a time, in call order, by one thread however many are pending (a System V
    /// semaphore wait cannot be awaited). The message is validated before this returns.
    /// </summary>
    /// <param name="message">At most 2047 bytes of UTF-8, no NUL.</param>
    /// <param name="timeout">Limit from this call to the delivery, time spent behind this
    /// process's earlier broadcasts included; null for none.</param>
    /// <param name="cancellationToken">Cancelled while still queued: the message is taken out of
    /// the queue and never sent. Once being sent: as for <see cref="Broadcast(string, TimeSpan?, CancellationToken)"/>.</param>
    /// <exception cref="BusMessageInvalidException">Thrown at once: the message is not valid; nothing is queued.</exception>
    /// <remarks>
    /// The task faults with <see cref="BusTimeoutException"/>, <see cref="BusRemovedException"/>,
    /// <see cref="BusDeadlockException"/> (see <see cref="Subscribe(int)"/>) or
    /// <see cref="ObjectDisposedException"/> if this handle is disposed before the message was sent.
    /// </remarks>
    public Task BroadcastAsync(string message, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        BusMessage.Validate(message);
        return Queue().Enqueue(message, default, timeout, cancellationToken);
    }

    /// <summary>
    /// Raw-bytes form of <see cref="BroadcastAsync(string, TimeSpan?, CancellationToken)"/>. The
    /// bytes are not copied: leave them unchanged until the task completes.
    /// </summary>
    /// <exception cref="BusMessageInvalidException">Thrown at once: the bytes contain NUL or are over 2047.</exception>
    public Task BroadcastAsync(ReadOnlyMemory<byte> message, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        BusMessage.Validated(message.Span);
        return Queue().Enqueue(null, message, timeout, cancellationToken);
    }

    /// <summary>A <see cref="BusMessage"/> form of <see cref="BroadcastAsync(string, TimeSpan?, CancellationToken)"/>.</summary>
    public Task BroadcastAsync(BusMessage message, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        return Queue().Enqueue(null, message.Bytes, timeout, cancellationToken);
    }

    /// <summary>How many <c>BroadcastAsync</c> calls on this handle wait for their turn (not counting the one being sent).</summary>
    public int PendingBroadcasts => _broadcastQueue?.Count ?? 0;

    private BroadcastQueue Queue()
    {
        ThrowIfCannot(BusAccess.Broadcast);
        if (_broadcastQueue is { } queue) return queue;
        Interlocked.CompareExchange(ref _broadcastQueue, new BroadcastQueue(this), null);
        return _broadcastQueue;
    }
}
