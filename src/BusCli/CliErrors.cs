using System.ComponentModel;
using LibBus;

namespace BusCli;

/// <summary>
/// The one place where an exception becomes an exit status and one line on
/// stderr: <c>bus: PATH: what went wrong</c>. Never a stack trace.
/// </summary>
internal static class CliErrors
{
    /// <summary>Writes the error line for <paramref name="error"/> (and <paramref name="hint"/> after it) and returns its exit status.</summary>
    public static int Report(TextWriter stderr, string? path, Exception error, string hint = "")
    {
        if (error is OutputFailedException)
        {
            // About standard output, not the bus: "bus: standard output: WHY".
            path = null;
            hint = "";
        }
        int status = error switch
        {
            BusTimeoutException => ExitCodes.Timeout,
            CliException c => c.ExitCode,
            _ => ExitCodes.Failure,
        };
        // Native AOT also reports a thread it could not create (ulimit -u) as out of memory.
        Write(stderr, path, (error is OutOfMemoryException ? OutOfMemory : error.Message) + hint);
        return status;
    }

    /// <summary>
    /// Writes <c>bus: PATH: message</c> (without repeating a path the message already names),
    /// always one line: the path as <c>ls -b</c> shows it (<see cref="HumanText.Name"/>), wherever the
    /// message names it, and control characters and bytes that are not UTF-8 in the rest escaped
    /// (<see cref="HumanText.Message"/>).
    /// </summary>
    public static void Write(TextWriter stderr, string? path, string message)
    {
        if (!string.IsNullOrEmpty(path))
        {
            string shown = HumanText.Name(path);
            message = string.Join(shown, message.Split(path).Select(part => HumanText.Message(part.ReplaceLineEndings(" "))));
            if (!message.StartsWith(shown + ":", StringComparison.Ordinal)) message = shown + ": " + message;
        }
        else
        {
            message = HumanText.Message(message.ReplaceLineEndings(" "));
        }
        message = message.Trim();
        try
        {
            stderr.WriteLine("bus: " + message);
            stderr.Flush();
        }
        catch (IOException)
        {
            // stderr is gone too: nothing more to say.
        }
    }

    private const string OutOfMemory = "out of memory, or no thread could be started (see ulimit -v and ulimit -u)";

    /// <summary>
    /// The last resort, for whatever escapes a verb: one line and status 1, never a stack
    /// trace, and never an exception of its own. Mostly the runtime failing at a resource limit:
    /// no thread (ulimit -u), no descriptor (ulimit -n) or no memory (ulimit -v) left.
    /// </summary>
    public static int Unexpected(Exception? error)
    {
        try
        {
            if (error is not OutOfMemoryException)
            {
                Write(StandardStreams.Error(), null, Describe(error));
                return ExitCodes.Failure;
            }
        }
        catch (Exception)
        {
            // Saying more needs what is missing: say less, below.
        }
        // Out of memory, or writing failed: fixed bytes from the executable's image, in one
        // write(2), which needs neither memory nor a descriptor.
        WriteFixed(error is OutOfMemoryException
            ? "bus: out of memory, or no thread could be started (see ulimit -v and ulimit -u)\n"u8
            : "bus: cannot go on, and too few resources left to say why (see ulimit -a)\n"u8);
        return ExitCodes.Failure;
    }

    /// <summary>What went wrong, in the words of <see cref="Unexpected"/>.</summary>
    private static string Describe(Exception? error)
    {
        // The runtime's wrappers (a failed static constructor, a failed task) say nothing of their own.
        while (error is TypeInitializationException or AggregateException && error.InnerException is { } inner) error = inner;
        return DescribeUnwrapped(error);
    }

    private static string DescribeUnwrapped(Exception? error) => error switch
    {
        IOException e when e.HResult is Interop.Errors.EMFILE or Interop.Errors.ENFILE
            => $"too many open files (see ulimit -n): {e.Message}",
        System.Runtime.InteropServices.ExternalException e => DescribeSystemError(e),
        BusException e => e.Message,
        CliException e => e.Message,
        ThreadStartException e => $"cannot start a thread (see ulimit -u): {e.InnerException?.Message ?? e.Message}",
        FileLoadException or FileNotFoundException or BadImageFormatException
            => $"cannot load part of the program (out of descriptors or memory? see ulimit -n, ulimit -v): {error.Message}",
        null => "internal error",
        _ => $"internal error: {error.Message}",
    };

    // The runtime's Win32Exception, for a thread or pipe it could not make. Apart, so that the
    // JIT loads its assembly only for one (under ulimit -n that load may fail, and then the
    // caller says less).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static string DescribeSystemError(System.Runtime.InteropServices.ExternalException error) => error switch
    {
        Win32Exception { NativeErrorCode: Interop.Errors.EMFILE or Interop.Errors.ENFILE } e
            => $"too many open files (see ulimit -n): {e.Message}",
        Win32Exception { NativeErrorCode: Interop.Errors.EAGAIN } e
            => $"cannot start a thread (see ulimit -u): {e.Message}",
        Win32Exception { NativeErrorCode: Interop.Errors.ENOMEM } => OutOfMemory,
        _ => $"internal error: {error.Message}",
    };

    /// <summary>
    /// Whether a call of the command's own that failed with <paramref name="errno"/> applied
    /// nothing and should be made again as it was (EINTR: a signal arrived first).
    /// </summary>
    public static bool IsInterrupted(int errno) => errno == Interop.Errors.EINTR;

    /// <summary>The command's own failure <paramref name="what"/> (a call it made itself) for <paramref name="errno"/>: "WHAT: strerror".</summary>
    public static CliException FromErrno(int errno, string what, Exception? innerException = null)
        => new($"{what}: {Interop.Errors.Text(errno)}", ExitCodes.Failure, errno, innerException);

    /// <summary>Whether execve's <paramref name="errno"/> means there is no such program (exit 127, "command not found").</summary>
    public static bool IsNotFound(int errno) => errno == Interop.Errors.ENOENT;

    /// <summary>Why <paramref name="name"/> could not be run: strerror, and for a directory (execve's EACCES) that it is one.</summary>
    public static string CannotRun(string name, int errno)
        => errno == Interop.Errors.EACCES && name.Contains('/') && !RawArguments.HasRawBytes(name) && Directory.Exists(name)
            ? "it is a directory"
            : Interop.Errors.Text(errno);

    private static unsafe void WriteFixed(ReadOnlySpan<byte> line)
    {
        fixed (byte* p = line) Interop.Libc.Write(2, p, (nuint)line.Length);
    }
}
