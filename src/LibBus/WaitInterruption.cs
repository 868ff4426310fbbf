using System.Runtime.InteropServices;

namespace LibBus;

/// <summary>
/// Cancels a blocked semaphore wait without polling: while one thread waits in
/// <c>semop</c>/<c>semtimedop</c> for a cancellable call, cancelling the token sends SIGURG to
/// that thread (<c>tgkill</c>). A signal with a handler makes a System V wait return EINTR
/// (never restarted, whatever SA_RESTART says: signal(7)); the waiter then re-checks the token.
/// So an idle listener makes no system call until a message or a signal arrives.
/// </summary>
/// <remarks>
/// <para>The handler is installed once per process through <see cref="PosixSignalRegistration"/>
/// (the runtime's native handler; our callback only marks the signal handled). SIGURG is
/// ignored by default, so a stray one (it also reports urgent socket data) costs a retried
/// wait at most, never the process.</para>
/// <para>The race: cancellation can come after the waiter checked the token but before it
/// entered the kernel, and that signal is then lost. So the canceller signals again, backing
/// off from 1 ms to 50 ms, until the waiter has left its wait (<see cref="Disarm"/>).
/// One waiter per thread; reused, so a wait allocates nothing.</para>
/// </remarks>
internal sealed class WaitInterruption
{
    private const int FirstRetryMilliseconds = 1;
    private const int LastRetryMilliseconds = 50;

    private static readonly PosixSignalRegistration s_handler =
        PosixSignalRegistration.Create((PosixSignal)Interop.Libc.SIGURG, static context => context.Cancel = true);

    [ThreadStatic]
    private static WaitInterruption? t_current;

    private readonly int _tid = Interop.Libc.GetTid();
    private long _generation;
    /// <summary>The generation of the wait in progress on this thread, 0 when none.</summary>
    private long _armed;

    /// <summary>The calling thread's waiter.</summary>
    internal static WaitInterruption Current
    {
        get
        {
            GC.KeepAlive(s_handler); // installed before any signal can be sent
            return t_current ??= new WaitInterruption();
        }
    }

    /// <summary>Starts a wait on this thread that <paramref name="token"/> interrupts; pass the result to <see cref="Disarm"/>.</summary>
    internal CancellationTokenRegistration Arm(CancellationToken token)
    {
        Volatile.Write(ref _armed, ++_generation);
        return token.UnsafeRegister(static state => ((WaitInterruption)state!).Interrupt(), this);
    }

    /// <summary>Ends the wait: no signal is sent for it any more.</summary>
    internal void Disarm(CancellationTokenRegistration registration)
    {
        Volatile.Write(ref _armed, 0);
        registration.Dispose();
    }

    /// <summary>The token's callback: signals the waiting thread, then keeps signalling it, off this thread, until it has left the wait.</summary>
    private void Interrupt()
    {
        long generation = Volatile.Read(ref _armed);
        if (generation == 0) return;
        Signal();
        ThreadPool.UnsafeQueueUserWorkItem(static s => s.Owner.SignalUntilLeft(s.Generation), (Owner: this, Generation: generation), preferLocal: false);
    }

    private void SignalUntilLeft(long generation)
    {
        int delay = FirstRetryMilliseconds;
        while (true)
        {
            Thread.Sleep(delay);
            if (Volatile.Read(ref _armed) != generation) return;
            Signal();
            delay = Math.Min(delay * 2, LastRetryMilliseconds);
        }
    }

    private void Signal() => Interop.Libc.TgKill(Environment.ProcessId, _tid, Interop.Libc.SIGURG);
}
