using System.Diagnostics;

namespace LibBus;

/// <summary>
/// The broadcasts <see cref="Bus.BroadcastAsync(string, TimeSpan?, CancellationToken)"/> queued
/// on one <see cref="Bus"/>, and the one thread that sends them, in call order, through the
/// synchronous broadcast (a System V semaphore wait cannot be awaited, so some thread must
/// block in it; one per bus, however many calls are pending).
/// </summary>
/// <remarks>
/// The thread starts with the first call and ends after <see cref="IdleExit"/> with nothing
/// queued, or when the bus is disposed. A call cancelled while still queued is taken out of
/// the queue and never sent; once its turn has come the cancellation token goes to the
/// synchronous broadcast, with its meaning there.
/// </remarks>
internal sealed class BroadcastQueue(Bus bus)
{
    /// <summary>How long the sending thread waits for more work before it ends.</summary>
    internal static readonly TimeSpan IdleExit = TimeSpan.FromSeconds(2);

    /// <summary>How many <see cref="SpinWait"/> rounds the idle thread looks for a next call before it sleeps.</summary>
    private const int SpinsBeforeWaiting = 30;

    private readonly object _lock = new(); // guards the queue; Monitor.Wait/Pulse on it wake the thread
    private Pending? _head, _tail;
    private int _count;
    private bool _threadRunning, _threadWaiting, _closed;

    /// <summary>Broadcasts queued and not yet taken by the sending thread.</summary>
    internal int Count
    {
        get { lock (_lock) return _count; }
    }

    /// <summary>Queues a validated message; the task completes once every listener copied it.</summary>
    internal Task Enqueue(string? text, ReadOnlyMemory<byte> bytes, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested) return Task.FromCanceled(cancellationToken);
        var pending = new Pending(this, text, bytes, Deadline.After(timeout), cancellationToken);
        if (cancellationToken.CanBeCanceled)
            pending.Registration = cancellationToken.UnsafeRegister(static p => ((Pending)p!).CancelIfQueued(), pending);

        bool startThread = false;
        lock (_lock)
        {
            if (_closed)
            {
                pending.State = PendingState.Done;
                pending.TrySetException(new ObjectDisposedException(nameof(Bus), $"{bus.Path}: the bus handle was disposed"));
            }
            else if (pending.State == PendingState.New) // not cancelled meanwhile
            {
                pending.State = PendingState.Queued;
                if (_tail is null) _head = _tail = pending;
                else
                {
                    _tail.Next = pending;
                    pending.Previous = _tail;
                    _tail = pending;
                }
                _count++;
                if (!_threadRunning) startThread = _threadRunning = true;
                else if (_threadWaiting) Monitor.Pulse(_lock);
            }
        }
        if (startThread)
        {
            var thread = new Thread(Run) { IsBackground = true, Name = "LibBus broadcaster" };
            thread.UnsafeStart();
        }
        return pending.Task;
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
            p.TrySetException(new ObjectDisposedException(nameof(Bus), $"{bus.Path}: the bus handle was disposed before the message was sent"));
        }
    }

    private void Run()
    {
        while (Take() is { } pending)
        {
            pending.Registration.Dispose();
            try
            {
                Send(pending);
                pending.TrySetResult();
            }
            catch (OperationCanceledException e)
            {
                pending.TrySetCanceled(e.CancellationToken);
            }
            catch (Exception e)
            {
                pending.TrySetException(e);
            }
        }
    }

    private void Send(Pending pending)
    {
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

    /// <summary>The next call to send, or null when the thread should end (idle, or closed).</summary>
    private Pending? Take()
    {
        long idleSince = Stopwatch.GetTimestamp();
        // A caller that awaits each call queues the next one from its continuation a few
        // microseconds after the last completed: look for it briefly before sleeping, which
        // saves a futex wake-up per message.
        SpinWait spin = default;
        while (Volatile.Read(ref _head) is null && spin.Count < SpinsBeforeWaiting && !_closed)
            spin.SpinOnce(sleep1Threshold: -1);
        lock (_lock)
        {
            while (true)
            {
                if (_head is { } pending)
                {
                    Unlink(pending);
                    pending.State = PendingState.Sending;
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

    /// <summary>One queued call: its message, limits, and the task it completes (this object).</summary>
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

        /// <summary>Cancellation before its turn: out of the queue, never sent.</summary>
        internal void CancelIfQueued()
        {
            lock (queue._lock)
            {
                if (State == PendingState.Queued) queue.Unlink(this);
                else if (State != PendingState.New) return;
                State = PendingState.Done;
            }
            TrySetCanceled(CancellationToken);
        }
    }
}
