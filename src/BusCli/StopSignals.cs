using System.Runtime.InteropServices;
using LibBus;

namespace BusCli;

/// <summary>
/// SIGINT, SIGTERM and SIGHUP end <c>listen</c> and <c>wait</c> at once, wherever the process
/// is: waiting for a message, blocked writing to a full stdout pipe, or starting a command.
/// Every step a listener takes on the bus is marked SEM_UNDO, and the kernel's undo on exit is
/// exactly the leave for where the listener is (PROTOCOL.md, "Leaving"), so ending is leaving
/// cleanly. Once joined (<see cref="LeaveToKernel"/>) the signals have their default action:
/// the kernel ends the process (a shell's <c>$?</c> is 128+N), which needs nothing from this
/// process, not even a thread (a user at its process limit cannot start one). Before that,
/// and while <c>wait</c>'s command runs (<see cref="TakeBack"/>), a handler exits with 128+N,
/// first passing the signal on to the command. A closed stdout is reported by cancellation.
/// </summary>
internal sealed class StopSignals : IDisposable
{
    private const int NoCommand = 0, Starting = -1, Stopping = -2;

    private readonly CancellationTokenSource _source = new();
    private readonly PosixSignalRegistration[] _registrations;
    private int _signal;
    private int _command = NoCommand;
    private volatile bool _stdoutClosed;

    private static readonly int[] StopSignalNumbers = [Interop.Libc.SIGINT, Interop.Libc.SIGTERM, Interop.Libc.SIGHUP];
    private readonly Interop.Libc.SigAction[] _saved = new Interop.Libc.SigAction[3];
    private int _savedMask;

    public StopSignals()
    {
        _registrations = Register(Handle);
    }

    /// <summary>A handler for SIGINT, SIGTERM and SIGHUP, the signals that stop a verb.</summary>
    internal static PosixSignalRegistration[] Register(Action<PosixSignalContext> handler) =>
    [
        Handle(PosixSignal.SIGINT, handler),
        Handle(PosixSignal.SIGTERM, handler),
        Handle(PosixSignal.SIGHUP, handler),
    ];

    /// <summary>
    /// <see cref="PosixSignalRegistration.Create"/>, whose first use makes the runtime start a
    /// thread and a pipe for signals; at a limit (ulimit -u, -n) the error says which.
    /// </summary>
    /// <exception cref="BusException">The runtime cannot handle signals.</exception>
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
            throw new BusException($"cannot handle signals: {why}", null, e.HResult, e);
        }
    }

    /// <summary>The number of a stop signal (SIGHUP 1, SIGINT 2, SIGTERM 15), for the exit status 128+N.</summary>
    internal static int Number(PosixSignal signal) => signal switch
    {
        PosixSignal.SIGHUP => 1,
        PosixSignal.SIGINT => 2,
        _ => 15,
    };

    /// <summary>Cancelled when stdout's reader goes away.</summary>
    public CancellationToken Token => _source.Token;

    /// <summary>True if stdout's reader went away.</summary>
    public bool StdoutClosed => _stdoutClosed;

    private void Handle(PosixSignalContext context)
    {
        context.Cancel = true;
        Interlocked.CompareExchange(ref _signal, Number(context.Signal), 0);
        int command = Interlocked.Exchange(ref _command, Stopping);
        if (command == Starting) return; // CommandStarted forwards the signal and exits.
        if (command > 0) Interop.Libc.Kill(command, Volatile.Read(ref _signal));
        Exit();
    }

    private void Exit() => Environment.Exit(ExitCodes.Signal(Volatile.Read(ref _signal)));

    /// <summary>From now on a stop signal ends the process by its default action, at once, with no handler.</summary>
    public unsafe void LeaveToKernel()
    {
        Interop.Libc.SigAction defaultAction = default;
        for (int i = 0; i < StopSignalNumbers.Length; i++)
        {
            fixed (Interop.Libc.SigAction* saved = &_saved[i])
                if (Interop.Libc.SigActionSet(StopSignalNumbers[i], &defaultAction, saved) == 0) _savedMask |= 1 << i;
        }
    }

    /// <summary>Undoes <see cref="LeaveToKernel"/>: the handlers (exit 128+N, passing the signal on to the command) again.</summary>
    public unsafe void TakeBack()
    {
        for (int i = 0; i < StopSignalNumbers.Length; i++)
        {
            if ((_savedMask & (1 << i)) == 0) continue;
            fixed (Interop.Libc.SigAction* saved = &_saved[i])
                Interop.Libc.SigActionSet(StopSignalNumbers[i], saved, null);
        }
        _savedMask = 0;
    }

    /// <summary>Call before starting the command that a stop signal is to be passed on to.</summary>
    public void StartingCommand() => Interlocked.CompareExchange(ref _command, Starting, NoCommand);

    /// <summary>
    /// Call once the command is started (<paramref name="pid"/>) or failed to start (0): a stop
    /// signal from now on goes to it; one that came meanwhile is passed on now, and exits.
    /// </summary>
    public void CommandStarted(int pid)
    {
        if (Interlocked.CompareExchange(ref _command, pid > 0 ? pid : NoCommand, Starting) != Stopping) return;
        if (pid > 0) Interop.Libc.Kill(pid, Volatile.Read(ref _signal));
        Exit();
    }

    public void OnStdoutClosed()
    {
        _stdoutClosed = true;
        try
        {
            _source.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>
    /// Watches fd 1 on a background thread and cancels once its reader has gone
    /// (poll reports POLLERR or POLLHUP), so that <c>bus listen P | head -n 3</c> ends
    /// when head does, not at the next message.
    /// </summary>
    public void WatchStdout()
    {
        var thread = new Thread(() =>
        {
            if (Native.WaitForHangUp(1)) OnStdoutClosed();
        })
        {
            IsBackground = true,
            Name = "stdout watcher",
        };
        thread.Start();
    }

    public void Dispose()
    {
        TakeBack();
        foreach (PosixSignalRegistration registration in _registrations) registration.Dispose();
    }
}

/// <summary>Watching a file descriptor for its reader going away (poll, from LibBus's Interop files).</summary>
internal static class Native
{
    /// <summary>Blocks until <paramref name="fd"/> reports an error or hang-up; false if it cannot be watched.</summary>
    public static unsafe bool WaitForHangUp(int fd)
    {
        var pollFd = new Interop.Libc.PollFd { Fd = fd, Events = 0 };
        while (true)
        {
            int n = Interop.Libc.Poll(&pollFd, 1, -1);
            if (n < 0)
            {
                if (Interop.Errors.LastErrno == Interop.Errors.EINTR) continue;
                return false;
            }
            if ((pollFd.REvents & Interop.Libc.POLLNVAL) != 0) return false;
            return (pollFd.REvents & (Interop.Libc.POLLERR | Interop.Libc.POLLHUP)) != 0;
        }
    }
}
