using System.Diagnostics;
using System.Runtime.InteropServices;
using LibBus;

namespace BusCli;

/// <summary>What a stop signal (SIGINT, SIGTERM, SIGHUP) does to the verb that holds a <see cref="StopSignals"/>.</summary>
internal enum SignalPolicy
{
    /// <summary>
    /// <c>listen</c> and <c>wait</c>: the signal ends the process at once, wherever it is
    /// (waiting for a message, blocked writing to a full stdout pipe, starting a command), as its
    /// default action would; a shell's <c>$?</c> is 128+N. Every step a listener takes on the bus
    /// is marked SEM_UNDO, and the kernel's undo on exit is exactly the leave for where the
    /// listener is (PROTOCOL.md, "Leaving"), so ending is leaving cleanly. Once joined
    /// (<see cref="LeaveToKernel"/>) it is the default action itself: the kernel ends the
    /// process, which needs nothing from it, not even a thread (a user at its process limit
    /// cannot start one). Before that, and while <c>wait</c>'s command runs
    /// (<see cref="TakeBack"/>), a handler exits with 128+N, first passing the signal on to the
    /// command.
    /// </summary>
    Default,

    /// <summary>
    /// <c>bridge</c>: the first signal cancels <see cref="Token"/>, and the verb stops on purpose
    /// (sending what it buffered, acknowledging what it broadcast), then exits 128+<see cref="Received"/>.
    /// </summary>
    Cancel,

    /// <summary>
    /// <c>run</c>: no signal ends the process (it must remove its bus); once the child runs
    /// (<see cref="ForwardTo"/>), each is passed on to it, and one received before is passed on then.
    /// </summary>
    Forward,
}

/// <summary>
/// SIGINT, SIGTERM and SIGHUP, caught from construction to <see cref="Dispose"/> and handled as
/// the <see cref="SignalPolicy"/> says. They are registered by their numbers
/// (<see cref="Interop.Libc"/>), so the number a handler sees is the signal's own: the one
/// passed on, and the N of 128+N.
/// </summary>
internal sealed class StopSignals : IDisposable
{
    private static readonly int[] Numbers = [Interop.Libc.SIGINT, Interop.Libc.SIGTERM, Interop.Libc.SIGHUP];

    // _child for Default: none, a command being started, a signal came (the process is ending), or its pid.
    private const int NoCommand = 0, Starting = -1, Stopping = -2;

    private readonly SignalPolicy _policy;
    private readonly PosixSignalRegistration[] _registrations;
    private readonly CancellationTokenSource _source = new();
    private readonly Interop.Libc.SigAction[] _saved = new Interop.Libc.SigAction[Numbers.Length];
    private int _savedMask;
    private int _signal;
    private int _child = NoCommand;
    private int _pending;

    /// <exception cref="CliException">The runtime cannot handle signals (<see cref="Handle"/>).</exception>
    public StopSignals(SignalPolicy policy)
    {
        _policy = policy;
        _registrations = [.. Numbers.Select(number => Handle((PosixSignal)number, OnSignal))];
    }

    /// <summary>
    /// <see cref="PosixSignalRegistration.Create"/>, whose first use makes the runtime start a
    /// thread and a pipe for signals; at a limit (ulimit -u, -n) the error says which.
    /// </summary>
    /// <exception cref="CliException">The runtime cannot handle signals.</exception>
    internal static PosixSignalRegistration Handle(PosixSignal signal, Action<PosixSignalContext> handler)
    {
        try
        {
            return PosixSignalRegistration.Create(signal, handler);
        }
        catch (Exception failure) when (failure is IOException or TypeInitializationException { InnerException: IOException })
        {
            // The runtime's IOException carries the errno as its HResult on Unix; the first
            // failure comes wrapped, from the static constructor that sets signal handling up.
            var e = failure as IOException ?? (IOException)failure.InnerException!;
            string why = e.HResult switch
            {
                Interop.Errors.EAGAIN => "the runtime cannot start its signal thread (see ulimit -u)",
                Interop.Errors.EMFILE or Interop.Errors.ENFILE => "too many open files (see ulimit -n)",
                Interop.Errors.ENOMEM => "out of memory (see ulimit -v)",
                _ => e.Message,
            };
            throw new CliException($"cannot handle signals: {why}", ExitCodes.Failure, e.HResult, e);
        }
    }

    /// <summary>The number of the first stop signal received (2 for SIGINT), or 0.</summary>
    public int Received => Volatile.Read(ref _signal);

    /// <summary>Cancel: cancelled by the first stop signal.</summary>
    public CancellationToken Token => _source.Token;

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        int number = (int)context.Signal;
        Interlocked.CompareExchange(ref _signal, number, 0);
        switch (_policy)
        {
            case SignalPolicy.Default:
                int command = Interlocked.Exchange(ref _child, Stopping);
                if (command == Starting) return; // CommandStarted passes the signal on and exits.
                if (command > 0) Interop.Libc.Kill(command, Received);
                Exit();
                break;
            case SignalPolicy.Cancel:
                try
                {
                    _source.Cancel();
                }
                catch (ObjectDisposedException)
                {
                }
                break;
            case SignalPolicy.Forward:
                int child = Volatile.Read(ref _child);
                if (child > 0)
                    Interop.Libc.Kill(child, number);
                else
                    Interlocked.CompareExchange(ref _pending, number, 0);
                break;
        }
    }

    private void Exit() => Environment.Exit(ExitCodes.Signal(Received));

    /// <summary>Default: from now on a stop signal ends the process by its default action, at once, with no handler.</summary>
    public unsafe void LeaveToKernel()
    {
        Debug.Assert(_policy == SignalPolicy.Default);
        Interop.Libc.SigAction defaultAction = default;
        for (int i = 0; i < Numbers.Length; i++)
        {
            fixed (Interop.Libc.SigAction* saved = &_saved[i])
                if (Interop.Libc.SigActionSet(Numbers[i], &defaultAction, saved) == 0) _savedMask |= 1 << i;
        }
    }

    /// <summary>Default: undoes <see cref="LeaveToKernel"/>: the handlers (exit 128+N, passing the signal on to the command) again.</summary>
    public unsafe void TakeBack()
    {
        for (int i = 0; i < Numbers.Length; i++)
        {
            if ((_savedMask & (1 << i)) == 0) continue;
            fixed (Interop.Libc.SigAction* saved = &_saved[i])
                Interop.Libc.SigActionSet(Numbers[i], saved, null);
        }
        _savedMask = 0;
    }

    /// <summary>Default: call before starting the command that a stop signal is to be passed on to.</summary>
    public void StartingCommand()
    {
        Debug.Assert(_policy == SignalPolicy.Default);
        Interlocked.CompareExchange(ref _child, Starting, NoCommand);
    }

    /// <summary>
    /// Default: call once the command is started (<paramref name="pid"/>) or failed to start (0): a stop
    /// signal from now on goes to it; one that came meanwhile is passed on now, and exits.
    /// </summary>
    public void CommandStarted(int pid)
    {
        Debug.Assert(_policy == SignalPolicy.Default);
        if (Interlocked.CompareExchange(ref _child, pid > 0 ? pid : NoCommand, Starting) != Stopping) return;
        if (pid > 0) Interop.Libc.Kill(pid, Received);
        Exit();
    }

    /// <summary>Forward: passes signals on to <paramref name="pid"/> from now on (0: no more), and any received meanwhile.</summary>
    public void ForwardTo(int pid)
    {
        Debug.Assert(_policy == SignalPolicy.Forward);
        Volatile.Write(ref _child, pid);
        int pending = Interlocked.Exchange(ref _pending, 0);
        if (pending != 0 && pid > 0) Interop.Libc.Kill(pid, pending);
    }

    public void Dispose()
    {
        TakeBack();
        foreach (PosixSignalRegistration registration in _registrations) registration.Dispose();
        _source.Dispose();
    }
}
