using System.CommandLine;

namespace BusCli.Commands;

/// <summary><c>bus listen [-0] [--count N] [--match REGEX] [--timeout DURATION] [--ready] [--ready-file FILE] PATH [COMMAND]</c>.</summary>
internal static class ListenCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var options = new ListenOptions();
        var count = new Option<int?>("--count", "-c")
        {
            Description = "Stop after N messages.",
            HelpName = "N",
            CustomParser = result =>
            {
                string text = result.Tokens[0].Value;
                if (int.TryParse(text, System.Globalization.NumberStyles.None, null, out int n) && n >= 1) return n;
                result.AddError($"--count: '{text}' is not a whole number of at least 1");
                return null;
            },
        };
        var command = new Command("listen",
            "Listen on a bus until stopped. Without COMMAND, print each message followed by a newline, flushed per " +
            "message; with COMMAND, run 'sh -c COMMAND' with $msg set to the message, without waiting for it. " +
            "SIGINT, SIGTERM and SIGHUP end it at once wherever it is blocked, leaving the bus cleanly " +
            "(the kernel undoes its steps); a closed stdout makes it leave and exit 0. Messages, COMMAND and $msg " +
            "go byte for byte. " +
            "Exit status: 0 count reached or stdout closed, 1 failure (including a removed bus), " +
            "2 bad command line, 4 idle for --timeout, 128+N ended by signal N.");
        var timeout = ListenOptions.Timeout(
            "Exit with status 4 once no message (none that --match matches) has arrived for DURATION since joining or since the last one.");
        options.AddTo(command);
        command.Add(count);
        command.Add(timeout);
        command.SetAction(result => Run(stdout, stderr, new ListenSettings(
            result.GetValue(options.Path)!,
            result.GetValue(options.Command),
            result.GetValue(options.Null),
            result.GetValue(count),
            result.GetValue(options.Ready),
            result.GetValue(options.ReadyFile),
            result.GetValue(options.Match),
            result.GetValue(timeout))));
        return command;
    }

    public static int Run(TextWriter stdout, TextWriter stderr, ListenSettings settings)
        => Listening.Run(stdout, stderr, settings, awaitCommand: false);
}
