using System.Threading.Channels;

namespace LibBus;

/// <summary>
/// A listener running on its own thread, handing copied messages to an async
/// consumer through a bounded buffer. Enumerate it once with <c>await foreach</c>;
/// dispose it to leave the bus.
/// </summary>
/// <remarks>
/// When the buffer is full the listener thread stops taking messages, so a slow
/// consumer holds broadcasters back exactly as a slow listener does; memory never
/// grows without limit. A removed bus ends the enumeration with
/// <see cref="BusRemovedException"/>.
/// <para>
/// So the same process must not wait for one of its own broadcasts on the bus while
/// nobody reads a full subscription: the broadcast waits for the listener, the listener
/// for the reader, the reader for the broadcast. Read on another task than the one that
/// awaits the broadcast, or size the capacity for what is broadcast before reading. A
/// broadcast caught that way fails with <see cref="BusDeadlockException"/> after
/// 10 seconds instead of hanging.
/// </para>
/// </remarks>
public sealed class BusSubscription : IAsyncEnumerable<BusMessage>, IAsyncDisposable, IDisposable
{
    /// <summary>The default number of copied messages that may wait for the consumer.</summary>
    public const int DefaultCapacity = 64;

    private readonly Channel<BusMessage> _channel;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _joined = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ListenerSession _session;
    private readonly SegmentLease _lease;
    private int _stopping;
    private readonly int _semaphoreId;
    private readonly int _capacity;

    private readonly BusMessageFilter? _filter;

    internal BusSubscription(Bus bus, SharedSegmentHandle segment, int capacity, BusMessageFilter? filter = null)
    {
        _filter = filter;
        _channel = Channel.CreateBounded<BusMessage>(new BoundedChannelOptions(capacity)
        {
            SingleWriter = true,
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _semaphoreId = bus.SemaphoreId;
        _capacity = capacity;
        _lease = new SegmentLease(segment);
        // Run disposes the lease after its last receive: copies take no reference of their own.
        _session = new ListenerSession(bus, segment, leaseOutlivesReceives: true);
        var thread = new Thread(Run)
        {
            IsBackground = true,
            Name = "LibBus listener",
        };
        thread.Start();
    }

    /// <summary>
    /// Completes once this listener is counted on the bus: a broadcast made after
    /// that reaches it. Faults if joining failed; cancelled if disposed first.
    /// </summary>
    public Task Joined => _joined.Task;

    /// <summary>
    /// Completes once the listener thread has left the bus. Faults, as a <c>Channel</c>'s
    /// completion does, with the error that ended the enumeration (the bus removed, say), or, if
    /// leaving failed, with that error (say, the owner's <c>bus chmod</c> took this user's rights
    /// away: the kernel then undoes this listener's counts when the process exits).
    /// </summary>
    public Task Completion => _finished.Task;

    /// <summary>Returns the enumerator over received messages (one consumer at a time).</summary>
    public IAsyncEnumerator<BusMessage> GetAsyncEnumerator(CancellationToken cancellationToken = default)
        => _channel.Reader.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);

    /// <summary>The listener thread. Nothing escapes it: every error ends the enumeration or <see cref="Completion"/>.</summary>
    private void Run()
    {
        CancellationToken stop = _stop.Token;
        ChannelWriter<BusMessage> writer = _channel.Writer;
        Span<byte> buffer = stackalloc byte[SharedSegmentHandle.Size];
        Exception? failure = null;
        try
        {
            _session.Join(Deadline.Infinite, stop);
            _joined.TrySetResult();
            while (true)
            {
                int length = _session.Receive(buffer, noWait: false, Deadline.Infinite, stop); // waits: never -1
                if (_filter is not null && !_filter(buffer[..length])) continue; // acknowledged already: next
                BusMessage message = BusMessage.FromReceived(buffer[..length].ToArray());
                // Still holding W: a full buffer holds the next broadcaster back.
                if (!writer.TryWrite(message))
                {
                    using SelfDeadlock.Stall stall = SelfDeadlock.Begin(_semaphoreId, _capacity);
                    writer.WriteAsync(message, stop).AsTask().GetAwaiter().GetResult();
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            writer.TryComplete();
        }
        catch (Exception e)
        {
            failure = e;
            _joined.TrySetException(e);
            writer.TryComplete(e);
        }
        finally
        {
            BusException? leaveError = _session.Leave();
            _lease.Dispose();
            writer.TryComplete();
            _joined.TrySetCanceled(stop.IsCancellationRequested ? stop : CancellationToken.None);
            // As a Channel's Completion: faulted with the error that ended the enumeration, if one did.
            if ((failure ?? leaveError) is { } error) _finished.TrySetException(error);
            else _finished.TrySetResult();
        }
    }

    /// <summary>Stops listening and waits until the listener has left the bus. Never throws; idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        Stop();
        await _finished.Task.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>Stops listening and blocks until the listener has left the bus. Never throws; idempotent.</summary>
    public void Dispose()
    {
        Stop();
        ((IAsyncResult)_finished.Task).AsyncWaitHandle.WaitOne();
    }

    private void Stop()
    {
        if (Interlocked.Exchange(ref _stopping, 1) == 0) _stop.Cancel();
    }
}
