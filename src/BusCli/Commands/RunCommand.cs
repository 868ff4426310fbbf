using System.CommandLine;
using System.Runtime.InteropServices;
using System.Text;
using LibBus;

namespace BusCli.Commands;

/// <summary><c>bus run [--dir DIR] -- CMD [ARG...]</c>.</summary>
internal static class RunCommand
{
    /// <summary>The status when CMD cannot be found, as shells and env(1) use.</summary>
    public const int NotFound = 127;

    /// <summary>The status when CMD exists but cannot be run.</summary>
    public const int CannotRun = 126;

    public static Command Create()
    {
        var directory = new Option<string?>("--dir")
        {
            Description = "Where to create the bus's key file (made with mode 0755 if missing; its parent must exist). " +
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
        command.SetAction(result => Run(result.Stderr(), result.GetValue(directory), result.GetValue(commandLine)!));
        return command;
    }

    public static int Run(TextWriter stderr, string? directory, string[] commandLine)
    {
        // SIGINT, SIGTERM and SIGHUP caught from the start, so that none kills bus run before it
        // removed the bus; once the child runs, each is passed on to it.
        using var signals = new StopSignals(SignalPolicy.Forward);
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

    private static int RunChild(TextWriter stderr, string busPath, string[] commandLine, StopSignals signals)
    {
        // Byte for byte: each argument as the caller passed it, UTF-8 or not (RawArguments).
        byte[][] argv = [.. commandLine.Select(RawArguments.ToBytes)];
        byte[] busPathEntry = Encoding.UTF8.GetBytes("BUS_PATH=" + busPath);
        using var runner = new CommandRunner(argv, [busPathEntry]);
        string searchPath = Environment.GetEnvironmentVariable("PATH") is { Length: > 0 } p ? p : "/usr/local/bin:/usr/bin:/bin";
        int errno = runner.StartProgram(searchPath, out int pid);
        if (errno != 0)
        {
            bool missing = CliErrors.IsNotFound(errno);
            CliErrors.Write(stderr, commandLine[0], missing ? "command not found" : $"cannot run: {CliErrors.CannotRun(commandLine[0], errno)}");
            return missing ? NotFound : CannotRun;
        }
        signals.ForwardTo(pid);
        int status = CommandRunner.WaitFor(pid); // 128 + N for a child killed by signal N
        signals.ForwardTo(0);
        return status;
    }

}
