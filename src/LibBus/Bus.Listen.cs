using System.Runtime.CompilerServices;

namespace LibBus;

public sealed partial class Bus
{
    /// <summary>
    /// Listens on the calling thread: joins, calls <paramref name="onListening"/>
    /// once counted (a broadcast from then on reaches this listener), then calls
    /// <paramref name="onMessage"/> for each message until it returns false.
    /// Each message is acknowledged as soon as it is copied; while
    /// <paramref name="onMessage"/> runs, the next broadcaster waits.
    /// </summary>
    /// <exception cref="OperationCanceledException">Cancelled; the listener has left the bus.</exception>
    /// <exception cref="BusRemovedException">The bus was removed.</exception>
    public void Listen(Func<BusMessage, bool> onMessage, Action? onListening = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(onMessage);
        ListenBytes(message => onMessage(BusMessage.FromReceived(message.ToArray())), onListening, cancellationToken);
    }

    /// <summary>
    /// As <see cref="Listen(Func{BusMessage, bool}, Action?, CancellationToken)"/>, calling
    /// <paramref name="onMessage"/> only for the messages <paramref name="filter"/> passes (null: all),
    /// as in <c>bus listen --match</c>: <c>bus.Listen(m =&gt; ..., BusMessageFilters.Matching(regex))</c>.
    /// Dropped messages are not copied into a <see cref="BusMessage"/> and never wait for <paramref name="onMessage"/>;
    /// the filter itself runs before the listener takes the next message: keep it quick (<see cref="BusMessageFilter"/>).
    /// </summary>
    public void Listen(Func<BusMessage, bool> onMessage, BusMessageFilter? filter, Action? onListening = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(onMessage);
        ListenBytes(message => onMessage(BusMessage.FromReceived(message.ToArray())), filter, onListening, cancellationToken);
    }

    /// <summary>
    /// As <see cref="Listen(Func{BusMessage, bool}, Action?, CancellationToken)"/>, without
    /// allocating per message: each message (its bytes as sent, without the NUL) is copied into
    /// one buffer of this call, acknowledged, and passed to <paramref name="onMessage"/>, valid
    /// only until it returns. For listeners that parse or forward the bytes themselves.
    /// </summary>
    /// <exception cref="OperationCanceledException">Cancelled; the listener has left the bus.</exception>
    /// <exception cref="BusRemovedException">The bus was removed.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void ListenBytes(BusBytesHandler onMessage, Action? onListening = null, CancellationToken cancellationToken = default)
        => ListenBytes(onMessage, null, onListening, cancellationToken);

    /// <summary>
    /// As <see cref="ListenBytes(BusBytesHandler, Action?, CancellationToken)"/>, passing on only the
    /// messages <paramref name="filter"/> passes (null: all). The others were acknowledged when
    /// copied, like every message, and the listener re-queues for the next one as soon as the
    /// filter has dropped them, so they never wait for <paramref name="onMessage"/>. Keep the filter
    /// quick: the next broadcaster waits for it (<see cref="BusMessageFilter"/>).
    /// </summary>
    public void ListenBytes(BusBytesHandler onMessage, BusMessageFilter? filter, Action? onListening = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(onMessage);
        ThrowIfCannot(BusAccess.Listen);
        byte[] buffer = new byte[SharedSegmentHandle.Size];
        using var lease = new SegmentLease(_segment); // disposed after the last receive: copies take no reference of their own
        var session = new ListenerSession(this, _segment, leaseOutlivesReceives: true);
        session.Join(Deadline.Infinite, cancellationToken);
        bool done = false;
        try
        {
            onListening?.Invoke();
            while (true)
            {
                int length = session.Receive(buffer, noWait: false, Deadline.Infinite, cancellationToken); // waits: never -1
                if (filter is not null && !filter(buffer.AsSpan(0, length))) continue;
                if (!onMessage(buffer.AsSpan(0, length))) break;
            }
            done = true;
        }
        finally
        {
            // A failed leave is reported unless another error is already on its way.
            BusException? leaveError = session.Leave();
            if (done && leaveError is not null) throw leaveError;
        }
    }

    /// <summary>
    /// Starts listening on a dedicated thread and returns the stream of messages.
    /// <see cref="BusSubscription.Joined"/> completes once this listener is counted.
    /// </summary>
    /// <param name="capacity">How many copied messages may wait for the consumer; when full, the
    /// listener stops taking messages, holding broadcasters back as a slow listener does.</param>
    public BusSubscription Subscribe(int capacity = BusSubscription.DefaultCapacity) => Subscribe(capacity, null);

    /// <summary>
    /// As <see cref="Subscribe(int)"/>, keeping only the messages <paramref name="filter"/> passes
    /// (null: all). The filter runs on the listener thread before a message takes a place in the
    /// buffer, so messages it drops never wait for the consumer; keep it quick, as the next
    /// broadcaster waits for it (<see cref="BusMessageFilter"/>). If it throws, the subscription
    /// ends with that error.
    /// </summary>
    public BusSubscription Subscribe(int capacity, BusMessageFilter? filter)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ThrowIfCannot(BusAccess.Listen);
        return new BusSubscription(this, _segment, capacity, filter);
    }

    /// <summary>
    /// The messages of this bus, from a listener that joins when enumeration starts
    /// and leaves when it ends. For a "joined" signal use <see cref="Subscribe(int)"/>.
    /// </summary>
    public async IAsyncEnumerable<BusMessage> ListenAsync(
        int capacity = BusSubscription.DefaultCapacity,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using BusSubscription subscription = Subscribe(capacity);
        await foreach (BusMessage message in subscription.WithCancellation(cancellationToken).ConfigureAwait(false))
            yield return message;
    }

    /// <summary>
    /// Joins the bus for polling (waiting, within <paramref name="timeout"/>, while a
    /// delivery is in progress). Then call <see cref="BusPoller.Poll"/> or
    /// <see cref="BusPoller.TryPoll"/>; dispose to leave.
    /// </summary>
    /// <exception cref="BusTimeoutException">Could not join in time.</exception>
    public BusPoller StartPolling(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ThrowIfCannot(BusAccess.Listen);
        var lease = new SegmentLease(_segment);
        try
        {
            var session = new ListenerSession(this, _segment);
            if (!session.Join(Deadline.After(timeout), cancellationToken))
                throw new BusTimeoutException($"{Path}: timed out joining: a delivery is in progress", Path, 0);
            return new BusPoller(this, session, lease);
        }
        catch
        {
            lease.Dispose();
            throw;
        }
    }
}
