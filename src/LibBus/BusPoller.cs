using System.Diagnostics.CodeAnalysis;

namespace LibBus;

/// <summary>
/// A listener that takes messages when asked (PROTOCOL.md's poll API). Not
/// thread-safe: poll from one thread at a time. Dispose (or <see cref="Stop"/>) to
/// leave the bus; a poller that stops polling without leaving holds the next
/// broadcaster back, as in the C library.
/// </summary>
public sealed class BusPoller : IDisposable
{
    private readonly Bus _bus;
    private readonly ListenerSession _session;
    private readonly SegmentLease _lease;

    internal BusPoller(Bus bus, ListenerSession session, SegmentLease lease)
    {
        _bus = bus;
        _session = session;
        _lease = lease;
    }

    /// <summary>
    /// Waits for the next message, at most <paramref name="timeout"/> (null: no limit).
    /// Returns null on timeout.
    /// </summary>
    /// <exception cref="OperationCanceledException">Cancelled; still listening, nothing lost.</exception>
    /// <exception cref="BusRemovedException">The bus was removed.</exception>
    public BusMessage? Poll(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        => Receive(noWait: false, Deadline.After(timeout), cancellationToken);

    /// <summary>Takes a message if one is being delivered right now; never waits.</summary>
    public bool TryPoll([NotNullWhen(true)] out BusMessage? message)
    {
        message = Receive(noWait: true, Deadline.Infinite, CancellationToken.None);
        return message is not null;
    }

    private BusMessage? Receive(bool noWait, Deadline deadline, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(!_session.IsJoined, this);
        BusMessage? message = _session.Receive(noWait, deadline, cancellationToken);
        // Re-queue now if the delivery is over; otherwise leave it for the next poll.
        // A bus removed meanwhile is reported by the next poll: this message is whole.
        if (message is not null)
        {
            try
            {
                _session.Requeue(noWait: true, Deadline.Infinite, CancellationToken.None);
            }
            catch (BusRemovedException)
            {
            }
        }
        return message;
    }

    /// <summary>The bus this poller listens on.</summary>
    public Bus Bus => _bus;

    /// <summary>Leaves the bus, reporting a failed leave. Idempotent.</summary>
    /// <exception cref="BusAccessDeniedException">Leaving was refused (the bus's permissions changed);
    /// the kernel still undoes this listener's counts when the process exits. The segment is released anyway.</exception>
    public void Stop()
    {
        BusException? error = Leave();
        if (error is not null) throw error;
    }

    /// <summary>Leaves the bus; a failed leave is ignored (see <see cref="Stop"/>). Idempotent.</summary>
    public void Dispose() => Leave();

    private BusException? Leave()
    {
        try
        {
            return _session.Leave();
        }
        finally
        {
            _lease.Dispose();
        }
    }
}
