using System.Diagnostics;
using BusCli.Commands;
using LibBus;

namespace BusCli;

/// <summary>
/// The loop behind <c>listen</c> and <c>wait</c>: join, announce readiness, then print
/// each message or run a command for it, until the count is reached, a signal
/// arrives, stdout's reader goes away, or the bus is removed.
/// </summary>
internal static class Listening
{
    /// <param name="awaitCommand">For <c>wait</c>: run the command after leaving the bus and exit with its status.</param>
    public static int Run(TextWriter stdout, TextWriter stderr, ListenSettings settings, bool awaitCommand)
    {
        string path = settings.Path;
        using var stop = new StopSignals();
        try
        {
            using Bus bus = Bus.Open(path, BusAccess.Listen);
            var output = new MessageWriter(stdout, settings.NullSeparated ? (byte)0 : (byte)'\n');
            if (settings.Command is null) stop.WatchStdout();

            int received = 0;
            BusMessage? last = null;
            bool outputClosed = false;
            bus.Listen(
                message =>
                {
                    received++;
                    last = message;
                    if (settings.Command is null)
                    {
                        if (!output.TryWrite(message))
                        {
                            outputClosed = true;
                            return false;
                        }
                    }
                    else if (!awaitCommand)
                    {
                        Spawn(stderr, path, settings.Command, message);
                    }
                    return settings.Count is not { } count || received < count;
                },
                () => AnnounceReady(stderr, settings),
                stop.Token);

            if (outputClosed) return ExitCodes.Success;
            if (awaitCommand && settings.Command is { } command && last is not null)
                return RunAndWait(stderr, path, command, last);
            return ExitCodes.Success;
        }
        catch (OperationCanceledException) when (stop.Token.IsCancellationRequested)
        {
            if (stop.Signal != 0) return ExitCodes.Signal(stop.Signal);
            return ExitCodes.Success; // stdout closed
        }
        catch (Exception e)
        {
            return CliErrors.Report(stderr, path, e);
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

    private static ProcessStartInfo StartInfo(string command, BusMessage message)
    {
        var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(command);
        info.Environment["msg"] = message.Text;
        return info;
    }

    /// <summary>Starts the command without waiting; the runtime reaps it when it exits (no zombies).</summary>
    private static void Spawn(TextWriter stderr, string path, string command, BusMessage message)
    {
        try
        {
            var process = new Process { StartInfo = StartInfo(command, message), EnableRaisingEvents = true };
            process.Exited += (sender, _) => ((Process)sender!).Dispose();
            process.Start();
        }
        catch (Exception e)
        {
            // Keep listening; say why this message's command did not run.
            CliErrors.Write(stderr, path, $"cannot run the command: {e.Message}");
        }
    }

    private static int RunAndWait(TextWriter stderr, string path, string command, BusMessage message)
    {
        try
        {
            using Process process = Process.Start(StartInfo(command, message))!;
            process.WaitForExit();
            return process.ExitCode;
        }
        catch (Exception e)
        {
            CliErrors.Write(stderr, path, $"cannot run the command: {e.Message}");
            return ExitCodes.Failure;
        }
    }

    /// <summary>Writes raw message bytes and a separator in one write, flushed per message.</summary>
    private sealed class MessageWriter(TextWriter stdout, byte separator)
    {
        private readonly byte[] _buffer = new byte[BusMessage.MaxLength + 2];

        /// <summary>False if stdout is closed (EPIPE): the caller stops quietly.</summary>
        public bool TryWrite(BusMessage message)
        {
            try
            {
                if (stdout is StreamWriter { BaseStream: { } stream } writer)
                {
                    writer.Flush();
                    ReadOnlySpan<byte> bytes = message.Bytes.Span;
                    bytes.CopyTo(_buffer);
                    _buffer[bytes.Length] = separator;
                    stream.Write(_buffer, 0, bytes.Length + 1);
                    stream.Flush();
                }
                else
                {
                    stdout.Write(message.Text);
                    stdout.Write((char)separator);
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
