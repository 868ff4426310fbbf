using System.CommandLine;
using LibBus;

namespace BusCli.Commands;

/// <summary><c>bus broadcast [-n] [--timeout DURATION] PATH MESSAGE</c>.</summary>
internal static class BroadcastCommand
{
    public static Command Create(Func<Stream> stdin)
    {
        var noWait = new Option<bool>("--nowait", "-n")
        {
            Description = "Fail at once with exit status 3, sending nothing, but only while another broadcaster " +
                          "holds the bus, as the C bus's -n does. Otherwise broadcast waits as without -n: for a " +
                          "listener still busy with the previous message, then for every listener to receive this " +
                          "one; a stopped listener (SIGSTOP, Ctrl-Z) makes it wait forever. To bound the whole wait, " +
                          "add --timeout.",
        };
        var timeout = CommonOptions.Timeout(
            "Give up with exit status 4 if a message is not delivered to every listener within DURATION " +
            "(500ms, 2s, 1.5, 1m); with MESSAGE '-' the limit applies to each message.");
        var path = CommonOptions.Path();
        var message = new Argument<string>("MESSAGE")
        {
            Description = "The message: at most 2047 bytes of UTF-8, no NUL. By convention it starts with the " +
                          "sender's process id and a space. '-' reads messages from standard input, one per line, " +
                          "and broadcasts each in order until end of file. Put '--' before a message that starts with '-'.",
        };
        var command = new Command("broadcast",
            "Broadcast a message to every listener of a bus and wait until each has received it. " +
            "Exit status: 0 delivered, 1 failure (including a refused message), 2 bad command line, " +
            "3 busy (-n), 4 timeout (--timeout).")
        {
            noWait,
            timeout,
            path,
            message,
        };
        command.SetAction(result => Run(() => result.Stderr(), stdin, result.GetValue(path)!, result.GetValue(message)!,
            result.GetValue(noWait), DurationParser.Limit(result.GetValue(timeout))));
        return command;
    }

    /// <summary>
    /// Broadcasts <paramref name="message"/> (or, for <c>-</c>, each line of standard input).
    /// stderr and stdin are opened only if needed: a successful broadcast touches neither,
    /// and opening them costs a short-lived process a measurable part of its life.
    /// </summary>
    public static int Run(Func<TextWriter> stderr, Func<Stream> stdin, string path, string message,
        bool noWait, TimeSpan? timeout)
    {
        try
        {
            if (message == "-")
            {
                return StandardStreams.StdinClosed
                    ? CliErrors.Report(stderr(), null, StandardStreams.StdinClosedError())
                    : RunLines(stderr(), stdin(), path, noWait, timeout);
            }
            // Refuse a bad message before touching the bus; bytes that are not UTF-8 go as they came.
            BusMessage validated = RawArguments.HasRawBytes(message)
                ? new BusMessage(RawArguments.ToBytes(message))
                : new BusMessage(message);
            using Bus bus = Bus.Open(path, BusAccess.Broadcast);
            return Send(bus, validated.Bytes.Span, noWait, timeout)
                ? ExitCodes.Success
                : CliErrors.Report(stderr(), path, Busy(path));
        }
        catch (Exception e)
        {
            return CliErrors.Report(stderr(), path, e, Hints.Swapped(e, "broadcast", path, message, "MESSAGE"));
        }
    }

    private static bool Send(Bus bus, ReadOnlySpan<byte> message, bool noWait, TimeSpan? timeout)
    {
        if (noWait) return bus.BroadcastIfFree(message, timeout);
        bus.Broadcast(message, timeout);
        return true;
    }

    private static CliException Busy(string path) => new(
        $"{path}: busy: another broadcaster holds the bus; nothing was sent",
        ExitCodes.Busy, Interop.Errors.EAGAIN);

    /// <summary>
    /// Broadcasts each line of <paramref name="input"/> (without its newline) as soon as the
    /// line is complete. A line that is not a valid message is reported and skipped (exit
    /// status 1 at the end); busy, timeout and other errors stop at that line.
    /// </summary>
    private static int RunLines(TextWriter stderr, Stream input, string path, bool noWait, TimeSpan? timeout)
    {
        using Bus bus = Bus.Open(path, BusAccess.Broadcast);
        int status = ExitCodes.Success;
        byte[] buffer = new byte[64 * 1024];
        byte[] line = new byte[BusMessage.MaxLength + 1];
        int lineLength = 0;
        long lineNumber = 0;
        bool overlong = false;
        bool containsNul = false;
        bool pending = false;

        int Emit()
        {
            lineNumber++;
            pending = false;
            try
            {
                if (overlong || containsNul)
                {
                    string why = overlong
                        ? $"is more than {BusMessage.MaxLength} bytes"
                        : "contains a NUL byte; bus messages cannot contain NUL";
                    CliErrors.Write(stderr, path, $"standard input line {lineNumber}: not sent: the message {why}");
                    status = ExitCodes.Failure;
                    return ExitCodes.Success;
                }
                return Send(bus, line.AsSpan(0, lineLength), noWait, timeout)
                    ? ExitCodes.Success
                    : CliErrors.Report(stderr, path, Busy(path));
            }
            finally
            {
                lineLength = 0;
                overlong = false;
                containsNul = false;
            }
        }

        while (true)
        {
            int read;
            try
            {
                read = input.Read(buffer, 0, buffer.Length);
            }
            catch (IOException e)
            {
                // What failed is standard input (a directory, say), not the bus.
                CliErrors.Write(stderr, null, $"standard input: cannot read: {e.Message}");
                return ExitCodes.Failure;
            }
            if (read == 0) break;
            var chunk = buffer.AsSpan(0, read);
            while (!chunk.IsEmpty)
            {
                pending = true;
                int newline = chunk.IndexOf((byte)'\n');
                var part = newline < 0 ? chunk : chunk[..newline];
                if (part.Contains((byte)0)) containsNul = true;
                if (!overlong)
                {
                    if (lineLength + part.Length > BusMessage.MaxLength) overlong = true;
                    else
                    {
                        part.CopyTo(line.AsSpan(lineLength));
                        lineLength += part.Length;
                    }
                }
                if (newline < 0) break;
                int result = Emit();
                if (result != ExitCodes.Success) return result;
                chunk = chunk[(newline + 1)..];
            }
        }
        if (pending)
        {
            // A last line without a newline.
            int result = Emit();
            if (result != ExitCodes.Success) return result;
        }
        return status;
    }
}
