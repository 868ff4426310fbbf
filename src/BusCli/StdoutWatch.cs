using LibBus;

namespace BusCli;

/// <summary>
/// For <c>listen</c> printing messages: its <see cref="Token"/> is cancelled once stdout's reader
/// has gone, so that <c>bus listen P | head -n 3</c> ends when head does, not at the next message.
/// </summary>
internal sealed class StdoutWatch : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private volatile bool _closed;

    /// <summary>Cancelled when stdout's reader goes away.</summary>
    public CancellationToken Token => _source.Token;

    /// <summary>True if stdout's reader went away.</summary>
    public bool Closed => _closed;

    /// <summary>
    /// Watches fd 1 on a background thread and cancels once its reader has gone
    /// (poll reports POLLERR or POLLHUP).
    /// </summary>
    public void Start()
    {
        Threads.StartBackground("stdout watcher", () =>
        {
            if (Native.WaitForHangUp(1)) OnClosed();
        });
    }

    private void OnClosed()
    {
        _closed = true;
        try
        {
            _source.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public void Dispose() => _source.Dispose();
}

/// <summary>Watching a file descriptor for its reader going away (poll, from src/Common/Interop).</summary>
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
