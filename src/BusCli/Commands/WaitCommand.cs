using System.CommandLine;

namespace BusCli.Commands;

/// <summary><c>bus wait [-0] [--match REGEX] [--timeout DURATION] [--ready] [--ready-file FILE] PATH [COMMAND]</c>.</summary>
internal static class WaitCommand
{
    public static Command Create()
    {
        var options = new ListenOptions(
            "Run 'sh -c COMMAND' once, for the first message (the first that --match matches), with the message " +
            "in $msg, after leaving the bus; wait exits with its status. Without it, print that message on stdout " +
            "followed by a newline.");
        var command = new Command("wait",
            "Wait for one message on a bus, then exit: it runs once (for a command per message, use 'bus listen'). " +
            "Without COMMAND, print the message followed by a newline; with COMMAND, " +
            "leave the bus, then run 'sh -c COMMAND' with $msg set to the message and exit with its status; " +
            "SIGINT, SIGTERM and SIGHUP are passed on to the running command, and wait exits 128+N at once. " +
            "Exit status: 0 received, 1 failure (including a removed bus or output that could not be written), 2 bad command line, 4 timeout (--timeout), " +
            "128+N ended by signal N; with COMMAND, the command's exit status.");
        var timeout = CommonOptions.Timeout("Give up with exit status 4 if no message (none that --match matches) arrives within DURATION of starting " +
            "(joining included: a listener still busy with a message can keep it from joining).");
        options.AddTo(command);
        command.Add(timeout);
        command.SetAction(result => Run(result.Stdout(), result.Stderr(), new ListenSettings(
            result.GetValue(options.Path)!,
            result.GetValue(options.Command),
            result.GetValue(options.Null),
            1,
            result.GetValue(options.Ready),
            result.GetValue(options.ReadyFile),
            result.GetValue(options.Match),
            DurationParser.Limit(result.GetValue(timeout)))));
        return command;
    }

    public static int Run(TextWriter stdout, TextWriter stderr, ListenSettings settings)
        => Listening.Run(stdout, stderr, settings, awaitCommand: true);
}
