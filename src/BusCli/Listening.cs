using BusCli.Commands;
using LibBus;
using Errors = LibBus.Interop.Errors;
using Libc = LibBus.Interop.Libc;

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
        using var idle = new IdleTimer(stop.Token, settings.Timeout);
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
                    if (!Matches(stderr, settings, message)) return true; // already acknowledged: next
                    idle.Pause();
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
                        // --jobs: at the limit, take no message (hold broadcasters back) until a command ends.
                        if (settings.Jobs > 0) reaper!.WaitForFewerThan(settings.Jobs);
                    }
                    idle.Restart();
                    return settings.Count is not { } count || received < count;
                },
                () =>
                {
                    // First, so that readiness is announced right before the first wait, as before.
                    stop.LeaveToKernel();
                    idle.Restart();
                    AnnounceReady(stderr, settings);
                },
                idle.Token);

            if (outputClosed) return ExitCodes.Success;
            if (runner is not null && last is not null)
                return RunAndWait(stderr, path, runner, stop, last);
            return ExitCodes.Success;
        }
        catch (OperationCanceledException) when (idle.TimedOut)
        {
            CliErrors.Write(stderr, path, $"timed out: no message for {settings.Timeout!.Value.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}s");
            return ExitCodes.Timeout;
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

    /// <summary>True without --match, else whether it matches the message's text (a match that runs too long counts as no match, said on stderr).</summary>
    private static bool Matches(TextWriter stderr, ListenSettings settings, ReadOnlySpan<byte> message)
    {
        if (settings.Match is not { } match) return true;
        try
        {
            return match.IsMatch(System.Text.Encoding.UTF8.GetString(message));
        }
        catch (System.Text.RegularExpressions.RegexMatchTimeoutException)
        {
            CliErrors.Write(stderr, settings.Path, "--match took over a second on a message; taken as no match");
            return false;
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
/// <remarks>
/// FILE may be in a directory other users can write (such as /tmp), so nothing here
/// follows a symlink another user could plant: a FIFO is opened with O_NOFOLLOW and
/// checked to be a FIFO before anything is written to it; otherwise the text goes to a new
/// file under a random temporary name (O_CREAT|O_EXCL|O_NOFOLLOW), which is then renamed
/// over FILE (a symlink at FILE is replaced, never followed).
/// </remarks>
internal static class ReadyFile
{
    public static void Signal(string file)
    {
        byte[] content = System.Text.Encoding.ASCII.GetBytes(
            Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n");
        if (IsFifo(file))
        {
            // Opening blocks until a reader comes; do not hold up the listener meanwhile.
            var thread = new Thread(() => WriteToFifo(file, content))
            {
                IsBackground = true,
                Name = "ready fifo",
            };
            thread.Start();
            return;
        }
        int slash = file.LastIndexOf('/');
        string directory = slash < 0 ? "." : slash == 0 ? "/" : file[..slash];
        string name = file[(slash + 1)..];
        if (name.Length == 0 || name is "." or "..")
            throw new BusException($"{file}: cannot create the readiness file: it names a directory", file);
        int dirFd = Libc.Open(directory, Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_CLOEXEC);
        if (dirFd < 0)
            throw Failure(file, Errors.LastErrno);
        try
        {
            string temporary = ".bus-ready." + System.Security.Cryptography.RandomNumberGenerator.GetHexString(16, lowercase: true);
            int fd = Libc.OpenAt(dirFd, temporary,
                Libc.O_WRONLY | Libc.O_CREAT | Libc.O_EXCL | Libc.O_NOFOLLOW | Libc.O_CLOEXEC,
                0x1A4 /* 0644 */);
            if (fd < 0)
                throw Failure(file, Errors.LastErrno);
            int errno = WriteAll(fd, content);
            Libc.Close(fd);
            if (errno == 0 && Libc.RenameAt2(dirFd, temporary, dirFd, name, 0) == 0)
                return;
            if (errno == 0) errno = Errors.LastErrno;
            Libc.UnlinkAt(dirFd, temporary, 0);
            throw Failure(file, errno);
        }
        finally
        {
            Libc.Close(dirFd);
        }
    }

    private static unsafe void WriteToFifo(string file, byte[] content)
    {
        int fd = Libc.Open(file, Libc.O_WRONLY | Libc.O_NOFOLLOW | Libc.O_CLOEXEC | Libc.O_NOCTTY);
        if (fd < 0) return; // the FIFO went away; nothing to tell
        try
        {
            // Whatever FILE is now, write only to a FIFO.
            Libc.Statx status;
            if (Libc.StatxCall(fd, "", Libc.AT_EMPTY_PATH, Libc.STATX_TYPE, &status) == 0
                && (status.Mode & Libc.S_IFMT) == Libc.S_IFIFO)
                WriteAll(fd, content);
        }
        finally
        {
            Libc.Close(fd);
        }
    }

    /// <summary>Writes all of <paramref name="content"/>; returns 0 or the errno.</summary>
    private static unsafe int WriteAll(int fd, byte[] content)
    {
        fixed (byte* p = content)
        {
            int written = 0;
            while (written < content.Length)
            {
                nint n = Libc.Write(fd, p + written, (nuint)(content.Length - written));
                if (n < 0)
                {
                    int errno = Errors.LastErrno;
                    if (errno != Errors.EINTR) return errno;
                    continue;
                }
                written += (int)n;
            }
        }
        return 0;
    }

    private static BusException Failure(string file, int errno)
        => new($"{file}: cannot create the readiness file: {Errors.Text(errno)}", file, errno);

    /// <summary>FILE itself (not a symlink's target) is a FIFO.</summary>
    private static unsafe bool IsFifo(string file)
    {
        Libc.Statx status;
        return Libc.StatxCall(Libc.AT_FDCWD, file, Libc.AT_SYMLINK_NOFOLLOW, Libc.STATX_TYPE, &status) == 0
               && (status.Mode & Libc.S_IFMT) == Libc.S_IFIFO;
    }
}
