using BusCli.Commands;
using LibBus;

namespace BusCli;

/// <summary>
/// The loop behind <c>listen</c> and <c>wait</c>: join, announce readiness, then print
/// each message or run a command for it, until the count is reached, a signal
/// arrives, stdout's reader goes away, or the bus is removed. Messages go through as
/// bytes, and nothing is allocated per message (<see cref="Bus.ListenBytes"/>, one output
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
        using var stop = new StopSignals();
        CommandRunner? runner = null;
        try
        {
            if (settings.Command is { } command) runner = new CommandRunner(RawArguments.ToBytes(command));
            ChildReaper? reaper = runner is not null && !awaitCommand ? new ChildReaper() : null;
            using Bus bus = Bus.Open(path, BusAccess.Listen);
            var output = new MessageWriter(stdout, settings.NullSeparated ? (byte)0 : (byte)'\n');
            if (runner is null) stop.WatchStdout();

            int received = 0;
            byte[]? last = null;
            bool outputClosed = false;
            bus.ListenBytes(
                message =>
                {
                    received++;
                    if (runner is null)
                    {
                        if (!output.TryWrite(message))
                        {
                            outputClosed = true;
                            return false;
                        }
                    }
                    else if (awaitCommand)
                    {
                        last = message.ToArray();
                    }
                    else
                    {
                        Spawn(stderr, path, runner, reaper!, message);
                    }
                    return settings.Count is not { } count || received < count;
                },
                () =>
                {
                    AnnounceReady(stderr, settings);
                    stop.LeaveToKernel();
                },
                stop.Token);

            if (outputClosed) return ExitCodes.Success;
            if (runner is not null && last is not null)
                return RunAndWait(stderr, path, runner, stop, last);
            return ExitCodes.Success;
        }
        catch (OperationCanceledException) when (stop.StdoutClosed)
        {
            return ExitCodes.Success;
        }
        catch (Exception e)
        {
            return CliErrors.Report(stderr, path, e);
        }
        finally
        {
            runner?.Dispose();
        }
    }

    private static void AnnounceReady(TextWriter stderr, ListenSettings settings)
    {
        if (settings.ReadyFile is { } file) ReadyFile.Signal(file);
        if (settings.Ready)
        {
            try
            {
                stderr.WriteLine($"bus: {settings.Path}: listening");
                stderr.Flush();
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>Starts the command without waiting for it; the reaper collects it when it exits (no zombies).</summary>
    private static void Spawn(TextWriter stderr, string path, CommandRunner runner, ChildReaper reaper, ReadOnlySpan<byte> message)
    {
        try
        {
            runner.Start(message);
            reaper.Started();
        }
        catch (BusException e)
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
        catch (BusException e)
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

    /// <summary>Writes raw message bytes and a separator in one write, flushed per message.</summary>
    private sealed class MessageWriter(TextWriter stdout, byte separator)
    {
        private readonly byte[] _buffer = new byte[BusMessage.MaxLength + 2];

        /// <summary>False if stdout is closed (EPIPE): the caller stops quietly.</summary>
        public bool TryWrite(ReadOnlySpan<byte> message)
        {
            try
            {
                message.CopyTo(_buffer);
                _buffer[message.Length] = separator;
                if (stdout is StreamWriter { BaseStream: { } stream } writer)
                {
                    writer.Flush();
                    stream.Write(_buffer, 0, message.Length + 1);
                    stream.Flush();
                }
                else
                {
                    stdout.Write(RawArguments.Decode(_buffer.AsSpan(0, message.Length + 1)));
                    stdout.Flush();
                }
                return true;
            }
            catch (IOException)
            {
                return false;
            }
            catch (ObjectDisposedException)
            {
                return false;
            }
        }
    }
}

/// <summary>The <c>--ready-file</c> signal.</summary>
internal static class ReadyFile
{
    public static void Signal(string file)
    {
        string content = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n";
        if (IsFifo(file))
        {
            // Opening blocks until a reader comes; do not hold up the listener meanwhile.
            var thread = new Thread(() =>
            {
                try
                {
                    using var fifo = new FileStream(file, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1);
                    fifo.Write(System.Text.Encoding.ASCII.GetBytes(content));
                }
                catch (Exception)
                {
                    // The reader went away; nothing to tell.
                }
            })
            {
                IsBackground = true,
                Name = "ready fifo",
            };
            thread.Start();
            return;
        }
        string temporary = $"{file}.{Environment.ProcessId}.tmp";
        try
        {
            File.WriteAllText(temporary, content);
            File.Move(temporary, file, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(temporary); } catch (Exception) { }
            throw new BusException($"{file}: cannot create the readiness file: {e.Message}", file);
        }
    }

    private static bool IsFifo(string file)
        => Mono.Unix.Native.Syscall.stat(file, out Mono.Unix.Native.Stat stat) == 0
           && (stat.st_mode & Mono.Unix.Native.FilePermissions.S_IFMT) == Mono.Unix.Native.FilePermissions.S_IFIFO;
}
