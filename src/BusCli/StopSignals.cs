using System.Runtime.InteropServices;

namespace BusCli;

/// <summary>
/// Turns SIGINT, SIGTERM and SIGHUP (and a closed stdout) into cancellation, so that a
/// listener leaves the bus cleanly instead of dying in the middle of a step.
/// </summary>
internal sealed class StopSignals : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly PosixSignalRegistration[] _registrations;
    private int _signal;
    private volatile bool _stdoutClosed;

    public StopSignals()
    {
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle),
            PosixSignalRegistration.Create(PosixSignal.SIGHUP, Handle),
        ];
    }

    public CancellationToken Token => _source.Token;

    /// <summary>The number of the signal that stopped us (2 for SIGINT), or 0.</summary>
    public int Signal => Volatile.Read(ref _signal);

    /// <summary>True if stdout's reader went away.</summary>
    public bool StdoutClosed => _stdoutClosed;

    private void Handle(PosixSignalContext context)
    {
        context.Cancel = true;
        int number = context.Signal switch
        {
            PosixSignal.SIGHUP => 1,
            PosixSignal.SIGINT => 2,
            _ => 15,
        };
        Interlocked.CompareExchange(ref _signal, number, 0);
        Cancel();
    }

    public void OnStdoutClosed()
    {
        _stdoutClosed = true;
        Cancel();
    }

    private void Cancel()
    {
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
        foreach (PosixSignalRegistration registration in _registrations) registration.Dispose();
    }
}

/// <summary>The few libc calls the command needs that LibBus does not offer.</summary>
internal static partial class Native
{
    private const short POLLERR = 0x8, POLLHUP = 0x10, POLLNVAL = 0x20;
    private const int EINTR = 4;

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static unsafe partial int Poll(PollFd* fds, nuint count, int timeout);

    /// <summary>Blocks until <paramref name="fd"/> reports an error or hang-up; false if it cannot be watched.</summary>
    public static unsafe bool WaitForHangUp(int fd)
    {
        var pollFd = new PollFd { Fd = fd, Events = 0 };
        while (true)
        {
            int n = Poll(&pollFd, 1, -1);
            if (n < 0)
            {
                if (Marshal.GetLastPInvokeError() == EINTR) continue;
                return false;
            }
            if ((pollFd.Revents & POLLNVAL) != 0) return false;
            return (pollFd.Revents & (POLLERR | POLLHUP)) != 0;
        }
    }
}
