using BusCli.Commands;
using LibBus;

namespace BusCli;

/// <summary>
/// The loop behind <c>listen</c> and <c>wait</c>: join, announce readiness, then print
/// each message or run a command for it, until the count is reached, a signal
/// arrives, stdout's reader goes away, or the bus is removed. Messages go through as
/// bytes, and nothing is allocated per message (<see cref="Bus.ListenBytes(BusBytesHandler, Action?, CancellationToken)"/>, one output
/// buffer, the command's arguments and environment laid out once).
/// </summary>
internal static class Listening
{
    /// <param name="awaitCommand">For <c>wait</c>: run the command after leaving the bus and exit with its status.</param>
    public static int Run(TextWriter stdout, TextWriter stderr, ListenSettings settings, bool awaitCommand)
    {
        string path = settings.Path;
        if (settings.Command is null && StandardStreams.StdoutClosed)
            return CliErrors.Report(stderr, null, StandardStreams.StdoutClosedError("print the messages"));
        using var stop = new StopSignals(SignalPolicy.Default);
        using var stdoutWatch = new StdoutWatch();
        // --timeout counts from here: joining is one of the waits it bounds (a listener still
        // busy with a message keeps a new one from joining).
        using var idle = new IdleTimer(stdoutWatch.Token, settings.Timeout);
        idle.Restart();
        CommandRunner? runner = null;
        BusReadyFile? ready = null;
        try
        {
            if (settings.Command is { } command) runner = new CommandRunner(RawArguments.ToBytes(command));
            ChildReaper? reaper = runner is not null && !awaitCommand ? new ChildReaper() : null;
            using Bus bus = Bus.Open(path, BusAccess.Listen);
            var output = new MessageWriter(stdout, settings.NullSeparated ? (byte)0 : (byte)'\n', settings.Json ? new MessageJson() : null);
            if (runner is null) stdoutWatch.Start();

            int received = 0;
            byte[]? last = null;
            bus.ListenBytes(
                message =>
                {
                    idle.Pause();
                    received++;
                    if (runner is null)
                    {
                        output.Write(message);
                    }
                    else if (awaitCommand)
                    {
                        last = message.ToArray();
                    }
                    else
                    {
                        Spawn(stderr, path, runner, reaper!, message);
                        // --jobs: at the limit, take no message (hold broadcasters back) until a command ends.
                        if (settings.Jobs > 0) reaper!.WaitForFewerThan(settings.Jobs);
                    }
                    idle.Restart();
                    return settings.Count is not { } count || received < count;
                },
                MatchFilter(stderr, settings),
                () =>
                {
                    // Signals first, so that readiness is announced right before the first wait. A
                    // readiness file created here is removed when the listener ends, also by a stop
                    // signal: then the signal handler stays, and exits 128+N through the removal
                    // (ProcessExit). Otherwise the kernel's default action ends the process at once.
                    if (settings.ReadyFile is null) stop.LeaveToKernel();
                    ready = AnnounceReady(stderr, settings);
                    if (ready is { IsFifo: true }) stop.LeaveToKernel();
                    else if (ready is not null) AppDomain.CurrentDomain.ProcessExit += (_, _) => ready.Dispose();
                },
                idle.Token);

            if (runner is not null && last is not null)
                return RunAndWait(stderr, path, runner, stop, last);
            return ExitCodes.Success;
        }
        catch (OperationCanceledException) when (idle.TimedOut)
        {
            CliErrors.Write(stderr, path, $"timed out: no message for {settings.Timeout!.Value.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}s");
            return ExitCodes.Timeout;
        }
        catch (OperationCanceledException) when (stdoutWatch.Closed)
        {
            return ExitCodes.Success;
        }
        catch (Exception e)
        {
            // An error about the readiness file names that file alone.
            return e is BusException { Path: { } at } && at == settings.ReadyFile
                ? CliErrors.Report(stderr, at, e)
                : CliErrors.Report(stderr, path, e, Hints.Swapped(e, awaitCommand ? "wait" : "listen", path, settings.Command, "COMMAND"));
        }
        finally
        {
            runner?.Dispose();
            ready?.Dispose();
        }
    }

    /// <summary>
    /// --match: LibBus's regex filter (messages it drops were acknowledged and never reach the
    /// callback); a backtracking match that runs too long counts as no match, said on stderr
    /// (<see cref="ListenOptions.MatchRegex"/>). Null without it.
    /// </summary>
    private static BusMessageFilter? MatchFilter(TextWriter stderr, ListenSettings settings)
    {
        if (settings.Match is not { } regex) return null;
        BusMessageFilter matching = BusMessageFilters.Matching(regex);
        return message =>
        {
            try
            {
                return matching(message);
            }
            catch (System.Text.RegularExpressions.RegexMatchTimeoutException)
            {
                CliErrors.Write(stderr, settings.Path, $"--match took over {ListenOptions.MatchTimeoutText} on a message; taken as no match");
                return false;
            }
        };
    }

    /// <summary>Signals readiness as asked; the readiness file, if any, for the caller to remove at the end.</summary>
    private static BusReadyFile? AnnounceReady(TextWriter stderr, ListenSettings settings)
    {
        BusReadyFile? ready = settings.ReadyFile is { } file
            ? BusReadyFile.Announce(file, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n")
            : null;
        if (settings.Ready)
        {
            try
            {
                stderr.WriteLine($"bus: {HumanText.Name(settings.Path)}: listening");
                stderr.Flush();
            }
            catch (IOException)
            {
            }
        }
        return ready;
    }

    /// <summary>Starts the command without waiting for it; the reaper collects it when it exits (no zombies).</summary>
    private static void Spawn(TextWriter stderr, string path, CommandRunner runner, ChildReaper reaper, ReadOnlySpan<byte> message)
    {
        try
        {
            runner.Start(message);
            reaper.Started();
        }
        catch (CliException e)
        {
            // Keep listening; say why this message's command did not run.
            CliErrors.Write(stderr, path, e.Message);
        }
    }

    /// <summary>Runs the command (the bus already left) and returns its status; a stop signal is passed on to it.</summary>
    private static int RunAndWait(TextWriter stderr, string path, CommandRunner runner, StopSignals stop, byte[] message)
    {
        int pid = 0;
        stop.TakeBack();
        stop.StartingCommand();
        try
        {
            pid = runner.Start(message);
        }
        catch (CliException e)
        {
            CliErrors.Write(stderr, path, e.Message);
            return ExitCodes.Failure;
        }
        finally
        {
            stop.CommandStarted(pid);
        }
        return CommandRunner.WaitFor(pid);
    }

    /// <summary>
    /// Writes raw message bytes and a separator (or, for --json, the message's JSON line) in one write, flushed per message. A reader that
    /// went away (EPIPE) is taken as written, and the stdout watch ends the listener quietly; any
    /// other failure throws <see cref="OutputFailedException"/>: one line, status 1.
    /// </summary>
    private sealed class MessageWriter(TextWriter stdout, byte separator, MessageJson? json)
    {
        private readonly byte[] _buffer = new byte[BusMessage.MaxLength + 2];

        public void Write(ReadOnlySpan<byte> message)
        {
            ReadOnlySpan<byte> line;
            if (json is not null)
            {
                line = json.Format(message);
            }
            else
            {
                message.CopyTo(_buffer);
                _buffer[message.Length] = separator;
                line = _buffer.AsSpan(0, message.Length + 1);
            }
            if (stdout is StreamWriter { BaseStream: { } stream } writer)
            {
                writer.Flush();
                stream.Write(line);
                stream.Flush();
            }
            else
            {
                stdout.Write(RawArguments.Decode(line));
                stdout.Flush();
            }
        }
    }
}
