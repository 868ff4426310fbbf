using LibBus;
using static LibBus.Interop.Libc;

namespace BusCli;

/// <summary>
/// Standard input, output and error when the caller may have closed them (<c>&gt;&amp;-</c>).
/// A descriptor the caller closed is either still closed at <c>Main</c> or already reused by
/// the runtime's own start-up (the JIT host's internal pipe lands on fd 1), and then it is
/// marked close-on-exec, which a descriptor inherited across exec never is. Either way the
/// command treats the stream as closed: it never writes to or reads from it, a verb that needs
/// it refuses with one line, and a descriptor still free gets /dev/null, so that no file the
/// command opens later lands on fd 0, 1 or 2. All three are used through the descriptors
/// themselves (<see cref="DescriptorStream"/>), never through <see cref="Console"/>, so that
/// the command needs no descriptor or thread of its own to talk to its caller.
/// </summary>
internal static class StandardStreams
{
    private static int s_closed;

    public static bool StdinClosed => (s_closed & 1) != 0;

    public static bool StdoutClosed => (s_closed & 2) != 0;

    /// <summary>Checks fds 0, 1 and 2 and puts /dev/null in place of each one still free.</summary>
    public static void Secure()
    {
        for (int fd = 0; fd < 3; fd++)
        {
            int flags = Fcntl(fd, F_GETFD);
            if (flags >= 0 && (flags & FD_CLOEXEC) == 0) continue;
            s_closed |= 1 << fd;
            // open returns the lowest free descriptor: this one, as those below it are taken by now.
            // It stays open for the process's life: the handle is let go of, never closing it.
            if (flags < 0) Open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY).SetHandleAsInvalid();
        }
    }

    private static TextWriter? s_error;

    /// <summary>stderr, or nothing if it is closed. Also for the broadcast fast path, which skips <see cref="Secure"/>.</summary>
    public static TextWriter Error()
    {
        int flags = Fcntl(2, F_GETFD);
        if (flags < 0 || (flags & FD_CLOEXEC) != 0) return TextWriter.Null;
        return s_error ??= TextWriter.Synchronized(
            new StreamWriter(new DescriptorStream(2, FileAccess.Write), new System.Text.UTF8Encoding(false), 1024) { AutoFlush = true });
    }

    /// <summary>stdout (a write that fails throws <see cref="OutputFailedException"/>), or a stream that discards everything if it is closed.</summary>
    public static Stream OpenOutput() => StdoutClosed ? Stream.Null : new OutputStream(new DescriptorStream(1, FileAccess.Write));

    /// <summary>stdin (for <c>broadcast PATH -</c>).</summary>
    public static Stream OpenInput() => new DescriptorStream(0, FileAccess.Read);

    /// <summary>The error for a verb that needs stdout when it is closed.</summary>
    public static BusException StdoutClosedError(string what) => new($"standard output is closed: nowhere to {what}");

    /// <summary>The error for <c>broadcast PATH -</c> when stdin is closed.</summary>
    public static BusException StdinClosedError() => new("standard input is closed: no messages to read");
}
