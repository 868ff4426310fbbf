using System.CommandLine;
using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.InteropServices;
using LibBus;

namespace BusCli.Commands;

/// <summary><c>bus run [--dir DIR] -- CMD [ARG...]</c>.</summary>
internal static class RunCommand
{
    /// <summary>The status when CMD cannot be found, as shells and env(1) use.</summary>
    public const int NotFound = 127;

    /// <summary>The status when CMD exists but cannot be run.</summary>
    public const int CannotRun = 126;

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var directory = new Option<string?>("--dir")
        {
            Description = "Where to create the bus's key file (made with mode 0755 if missing). " +
                          "Default: $XDG_RUNTIME_DIR/bus, or /run/bus, where 'bus gc' looks.",
            HelpName = "DIR",
        };
        var commandLine = new Argument<string[]>("CMD")
        {
            Description = "The command and its arguments, after '--'. It finds the bus's key file in $BUS_PATH.",
            Arity = ArgumentArity.OneOrMore,
        };
        var command = new Command("run",
            "Run a command with a private bus: create a bus, run CMD with the bus's path in BUS_PATH, forward SIGINT, " +
            "SIGTERM and SIGHUP to it, wait for it, and remove the bus whatever happened. " +
            "If 'bus run' itself is killed with SIGKILL, CMD keeps running and the bus stays; 'bus gc' removes it once " +
            "nothing uses it. Exit status: CMD's status (128+N if it died of signal N); 1 the bus could not be created; " +
            "2 bad command line; 126 CMD could not be run; 127 CMD not found.")
        {
            directory,
            commandLine,
        };
        command.SetAction(result => Run(stderr, result.GetValue(directory), result.GetValue(commandLine)!));
        return command;
    }

    public static int Run(TextWriter stderr, string? directory, string[] commandLine)
    {
        using var signals = new ForwardedSignals();
        PrivateBus bus;
        try
        {
            bus = PrivateBus.Create(directory ?? Bus.DefaultDirectory);
        }
        catch (Exception e)
        {
            return CliErrors.Report(stderr, directory, e);
        }
        int status;
        try
        {
            status = signals.Received != 0 ? ExitCodes.Signal(signals.Received) : RunChild(stderr, bus.Path, commandLine, signals);
        }
        finally
        {
            try
            {
                bus.Dispose();
            }
            catch (Exception e)
            {
                CliErrors.Report(stderr, bus.Path, e);
            }
        }
        return status;
    }

    private static int RunChild(TextWriter stderr, string busPath, string[] commandLine, ForwardedSignals signals)
    {
        string? program = Resolve(commandLine[0]);
        if (program is null)
        {
            CliErrors.Write(stderr, commandLine[0], "command not found");
            return NotFound;
        }
        var info = new ProcessStartInfo(program) { UseShellExecute = false };
        foreach (string argument in commandLine.Skip(1)) info.ArgumentList.Add(argument);
        info.Environment["BUS_PATH"] = busPath;
        Process child;
        try
        {
            child = Process.Start(info)!;
        }
        catch (Win32Exception e)
        {
            bool missing = e.NativeErrorCode == 2; // ENOENT
            CliErrors.Write(stderr, commandLine[0], missing ? "command not found" : $"cannot run: {Marshal.GetPInvokeErrorMessage(e.NativeErrorCode)}");
            return missing ? NotFound : CannotRun;
        }
        using (child)
        {
            signals.ForwardTo(child.Id);
            child.WaitForExit();
            signals.ForwardTo(0);
            return child.ExitCode; // 128 + N for a child killed by signal N
        }
    }

    /// <summary>
    /// CMD as execvp(3) finds it: a name with a slash as it is, else the first executable file
    /// of that name in $PATH (never the current or the program's directory, where .NET would look first).
    /// </summary>
    private static string? Resolve(string name)
    {
        if (name.Contains('/')) return name;
        if (name.Length == 0) return null;
        string path = Environment.GetEnvironmentVariable("PATH") is { Length: > 0 } p ? p : "/usr/local/bin:/usr/bin:/bin";
        foreach (string directory in path.Split(':'))
        {
            string candidate = Path.Combine(directory.Length == 0 ? "." : directory, name);
            if (File.Exists(candidate) && (File.GetUnixFileMode(candidate) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0)
                return candidate;
        }
        return null;
    }

    /// <summary>
    /// Catches SIGINT, SIGTERM and SIGHUP from the start, so that none kills <c>bus run</c>
    /// before it removed the bus; once the child runs, each is sent on to it.
    /// </summary>
    private sealed class ForwardedSignals : IDisposable
    {
        private const int SIGHUP = 1, SIGINT = 2, SIGTERM = 15;
        private static readonly int[] Forwarded = [SIGINT, SIGTERM, SIGHUP];
        private readonly PosixSignalRegistration[] _registrations;
        private int _child;
        private int _received;

        public ForwardedSignals()
        {
            // By their raw numbers, so that the number forwarded is the one received.
            _registrations = [.. Forwarded.Select(number => PosixSignalRegistration.Create((PosixSignal)number, Handle))];
        }

        /// <summary>The first signal received before a child ran, or 0.</summary>
        public int Received => Volatile.Read(ref _received);

        /// <summary>Forwards signals to <paramref name="pid"/> from now on (0: no more), and any received meanwhile.</summary>
        public void ForwardTo(int pid)
        {
            Volatile.Write(ref _child, pid);
            int pending = Interlocked.Exchange(ref _received, 0);
            if (pending != 0 && pid > 0) LibBus.Interop.Libc.Kill(pid, pending);
        }

        private void Handle(PosixSignalContext context)
        {
            context.Cancel = true;
            int number = (int)context.Signal;
            int child = Volatile.Read(ref _child);
            if (child > 0)
                LibBus.Interop.Libc.Kill(child, number);
            else
                Interlocked.CompareExchange(ref _received, number, 0);
        }

        public void Dispose()
        {
            foreach (PosixSignalRegistration registration in _registrations) registration.Dispose();
        }
    }
}
