using System.Diagnostics;

namespace LibBus;

/// <summary>
/// The broadcasts <see cref="Bus.BroadcastAsync(string, TimeSpan?, CancellationToken)"/> sends
/// on one <see cref="Bus"/>, one at a time in call order: on the calling thread while that
/// costs no more than a short wait, otherwise queued for the one thread that sends the rest
/// through the synchronous broadcast (a System V semaphore wait cannot be awaited, so some
/// thread must block in it; one per bus, however many calls are pending).
/// </summary>
/// <remarks>
/// <para>
/// A call made while nothing is queued or being sent starts on the calling thread: it takes
/// the bus, writes and publishes the message and waits for the acknowledgements, each of the
/// two waits a few no-wait tries with the CPU yielded between them (a listener on its way
/// usually answers within them, and no kernel timer is armed), then a timed wait to at most
/// <see cref="InlineWait"/>. Delivered by then, the call returns a
/// completed task: no thread hand-off, no allocation. Otherwise it hands over: a bus not
/// taken yet is queued first in line; a message already published is finished (its
/// acknowledgements, step 5) by the sending thread. Meanwhile later calls queue behind it.
/// So a caller's thread waits at most about twice <see cref="InlineWait"/> (plus, when a C
/// listener is on the bus, the short bounded shield before step 5), never for a stalled listener.
/// </para>
/// <para>
/// The thread starts when the first call is handed over and ends after <see cref="IdleExit"/>
/// with nothing to do, or when the bus is disposed. A call cancelled while still queued is
/// taken out of the queue and never sent, and so is a call whose deadline passes while it is
/// queued (it fails with <see cref="BusTimeoutException"/> at its deadline, not when its turn
/// comes); once its turn has come the cancellation token and the time left go to the
/// synchronous broadcast, with their meaning there.
/// </para>
/// </remarks>
internal sealed class BroadcastQueue(Bus bus)
{
    /// <summary>How long the sending thread waits for more work before it ends.</summary>
    internal static readonly TimeSpan IdleExit = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The most a call waits on its own thread to take the bus, and again for the
    /// acknowledgements, before handing over to the sending thread.
    /// </summary>
    internal static readonly TimeSpan InlineWait = TimeSpan.FromMilliseconds(1);

    private string Path => bus.Path;

    private readonly object _lock = new(); // guards the state below; Monitor.Wait/Pulse on it wake the thread
    private Pending? _head, _tail;
    private Pending? _handedOver; // published on a caller's thread, to be finished by the sending thread
    private int _count;
    private bool _busy; // a broadcast is being sent, on a caller's thread or the sending thread
    private bool _threadRunning, _threadWaiting, _closed;

    /// <summary>Broadcasts queued and not yet taken by the sending thread.</summary>
    internal int Count
    {
        get { lock (_lock) return _count; }
    }

    /// <summary>Sends or queues a validated message of <paramref name="length"/> bytes; the task completes once every listener copied it.</summary>
    internal Task Enqueue(string? text, ReadOnlyMemory<byte> bytes, int length, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested) return Task.FromCanceled(cancellationToken);
        Deadline deadline = Deadline.After(timeout);
        bool inline;
        lock (_lock)
        {
            inline = !_closed && !_busy && _head is null;
            if (inline) _busy = true;
        }
        return inline
            ? SendInline(text, bytes, length, deadline, cancellationToken)
            : Queue(new Pending(this, text, bytes, deadline, cancellationToken), first: false);
    }

    /// <summary>The start of a send on the calling thread, <see cref="_busy"/> held; see the remarks.</summary>
    private Task SendInline(string? text, ReadOnlyMemory<byte> bytes, int length, Deadline deadline, CancellationToken cancellationToken)
    {
        Bus.InlineBroadcast outcome;
        try
        {
            outcome = bus.BroadcastInline(text, bytes.Span, length, deadline, InlineWait, cancellationToken);
        }
        catch (Exception e)
        {
            Release();
            return e is OperationCanceledException && cancellationToken.IsCancellationRequested
                ? Task.FromCanceled(cancellationToken)
                : Task.FromException(e);
        }
        switch (outcome)
        {
            case Bus.InlineBroadcast.Delivered:
                Release();
                return Task.CompletedTask;
            case Bus.InlineBroadcast.NotStarted:
                return Queue(new Pending(this, text, bytes, deadline, cancellationToken), first: true);
            default:
                var rest = new Pending(this, text, bytes, deadline, cancellationToken)
                {
                    Published = true,
                    State = PendingState.Sending,
                };
                bool startThread;
                lock (_lock)
                {
                    _handedOver = rest; // _busy stays held, now for the sending thread
                    startThread = WakeThread();
                }
                if (startThread) StartThread();
                return rest.Task;
        }
    }

    /// <summary>
    /// Queues <paramref name="pending"/>: last, or <paramref name="first"/> in line when a send on
    /// the calling thread could not take the bus (releasing <see cref="_busy"/> in the same step).
    /// </summary>
    private Task Queue(Pending pending, bool first)
    {
        if (pending.CancellationToken.CanBeCanceled)
            pending.Registration = pending.CancellationToken.UnsafeRegister(static p => ((Pending)p!).CancelIfQueued(), pending);
        pending.StartTimer();

        bool startThread;
        lock (_lock)
        {
            if (first) _busy = false;
            if (_closed)
            {
                pending.State = PendingState.Done;
                pending.TrySetException(new ObjectDisposedException(nameof(Bus), $"{bus.Path}: the bus handle was disposed"));
            }
            else if (pending.State == PendingState.New) // not cancelled meanwhile
            {
                pending.State = PendingState.Queued;
                if (_head is null) _head = _tail = pending;
                else if (first)
                {
                    pending.Next = _head;
                    _head.Previous = pending;
                    _head = pending;
                }
                else
                {
                    _tail!.Next = pending;
                    pending.Previous = _tail;
                    _tail = pending;
                }
                _count++;
            }
            startThread = WakeThread();
        }
        if (startThread) StartThread();
        return pending.Task;
    }

    /// <summary>Ends a send on the calling thread: the queue may go on.</summary>
    private void Release()
    {
        bool startThread;
        lock (_lock)
        {
            _busy = false;
            startThread = WakeThread();
        }
        if (startThread) StartThread();
    }

    /// <summary>Under the lock: wakes the sending thread if it has work; true if it must be started.</summary>
    private bool WakeThread()
    {
        if (_handedOver is null && (_busy || _head is null)) return false;
        if (!_threadRunning) return _threadRunning = true;
        if (_threadWaiting) Monitor.Pulse(_lock);
        return false;
    }

    private void StartThread()
    {
        var thread = new Thread(Run) { IsBackground = true, Name = "LibBus broadcaster" };
        thread.UnsafeStart();
    }

    /// <summary>Fails every queued call with <see cref="ObjectDisposedException"/>; the thread then ends.</summary>
    internal void Close()
    {
        Pending? dropped;
        lock (_lock)
        {
            _closed = true;
            dropped = _head;
            for (Pending? p = _head; p is not null; p = p.Next) p.State = PendingState.Done;
            _head = _tail = null;
            _count = 0;
            if (_threadWaiting) Monitor.Pulse(_lock);
        }
        for (Pending? p = dropped; p is not null; p = p.Next)
        {
            p.Registration.Dispose();
            p.Timer?.Dispose();
            p.TrySetException(new ObjectDisposedException(nameof(Bus), $"{bus.Path}: the bus handle was disposed before the message was sent"));
        }
    }

    private void Run()
    {
        while (Take() is { } pending)
        {
            pending.Registration.Dispose();
            pending.Timer?.Dispose();
            Exception? error = null;
            try
            {
                Send(pending);
            }
            catch (Exception e)
            {
                error = e;
            }
            // Free before completing: the caller's next call may then start on its own thread.
            lock (_lock) _busy = false;
            if (error is null) pending.TrySetResult();
            else if (error is OperationCanceledException canceled) pending.TrySetCanceled(canceled.CancellationToken);
            else pending.TrySetException(error);
        }
    }

    private void Send(Pending pending)
    {
        if (pending.Published)
        {
            bus.FinishDelivery(pending.Deadline, pending.Deadline, pending.CancellationToken);
            return;
        }
        TimeSpan? timeout = null;
        if (!pending.Deadline.IsInfinite)
        {
            timeout = pending.Deadline.Remaining;
            if (timeout == TimeSpan.Zero)
                throw new BusTimeoutException(
                    $"{bus.Path}: timed out before sending: this process's earlier broadcasts on the bus took the whole timeout", bus.Path, 0);
        }
        if (pending.Text is { } text) bus.Broadcast(text, timeout, pending.CancellationToken);
        else bus.Broadcast(pending.Bytes.Span, timeout, pending.CancellationToken);
    }

    /// <summary>The next call to send, <see cref="_busy"/> then held; null when the thread should end (idle, or closed).</summary>
    private Pending? Take()
    {
        long idleSince = Stopwatch.GetTimestamp();
        lock (_lock)
        {
            while (true)
            {
                if (_handedOver is { } handedOver)
                {
                    _handedOver = null;
                    return handedOver;
                }
                if (!_busy && _head is { } pending)
                {
                    Unlink(pending);
                    pending.State = PendingState.Sending;
                    _busy = true;
                    return pending;
                }
                TimeSpan idle = Stopwatch.GetElapsedTime(idleSince);
                if (_closed || idle >= IdleExit)
                {
                    _threadRunning = false;
                    return null;
                }
                _threadWaiting = true;
                Monitor.Wait(_lock, IdleExit - idle);
                _threadWaiting = false;
            }
        }
    }

    private void Unlink(Pending pending)
    {
        if (pending.Previous is null) _head = pending.Next;
        else pending.Previous.Next = pending.Next;
        if (pending.Next is null) _tail = pending.Previous;
        else pending.Next.Previous = pending.Previous;
        pending.Previous = pending.Next = null;
        _count--;
    }

    private enum PendingState { New, Queued, Sending, Done }

    /// <summary>One call not sent on its caller's thread: its message, limits, and the task it completes (this object).</summary>
    private sealed class Pending(BroadcastQueue queue, string? text, ReadOnlyMemory<byte> bytes, Deadline deadline, CancellationToken cancellationToken)
        : TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        internal readonly string? Text = text;
        internal readonly ReadOnlyMemory<byte> Bytes = bytes;
        internal readonly Deadline Deadline = deadline;
        internal readonly CancellationToken CancellationToken = cancellationToken;
        internal CancellationTokenRegistration Registration;
        internal PendingState State;
        internal Pending? Previous, Next;

        /// <summary>Published on the caller's thread: only steps 4 and 5 are left.</summary>
        internal bool Published;

        /// <summary>Ends a call still queued at its deadline (<see cref="TimeOutIfQueued"/>); null without a deadline.</summary>
        internal Timer? Timer;

        /// <summary>Cancellation before its turn: out of the queue, never sent.</summary>
        internal void CancelIfQueued()
        {
            if (TakeOut()) TrySetCanceled(CancellationToken);
        }

        /// <summary>
        /// With a deadline: starts the timer that ends this call at its deadline if it is still
        /// queued then, behind earlier calls that may wait for as long as their own limits allow
        /// (a stopped listener, without one: forever).
        /// </summary>
        internal void StartTimer()
        {
            if (Deadline.IsInfinite) return;
            TimeSpan left = Deadline.Remaining;
            if (left > MaxTimer) return; // over 49 days: as good as none
            Timer = new Timer(static p => ((Pending)p!).TimeOutIfQueued(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            Timer.Change(left, Timeout.InfiniteTimeSpan); // after the field is set: Run disposes it
        }

        /// <summary>The deadline passed before its turn: out of the queue, never sent.</summary>
        private void TimeOutIfQueued()
        {
            if (TakeOut())
                TrySetException(new BusTimeoutException(
                    $"{queue.Path}: timed out before sending: this process's earlier broadcasts on the bus took the whole timeout",
                    queue.Path, 0));
        }

        /// <summary>Takes this call out of the queue if it has not been taken for sending yet; true if it was.</summary>
        private bool TakeOut()
        {
            lock (queue._lock)
            {
                if (State == PendingState.Queued) queue.Unlink(this);
                else if (State != PendingState.New) return false;
                State = PendingState.Done;
            }
            Timer?.Dispose();
            return true;
        }

        private static readonly TimeSpan MaxTimer = TimeSpan.FromMilliseconds(uint.MaxValue - 2.0);
    }
}
