using System.CommandLine;

namespace BusCli.Commands;

/// <summary><c>bus listen [-0 | --json] [--count N] [--jobs N] [--match REGEX] [--timeout DURATION] [--ready] [--ready-file FILE] PATH [COMMAND]</c>.</summary>
internal static class ListenCommand
{
    public static Command Create()
    {
        var options = new ListenOptions(
            "Run 'sh -c COMMAND' for each message, with the message in $msg (at most --jobs at once). Without it, " +
            "print each message on stdout followed by a newline.");
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
        var jobs = new Option<int?>("--jobs", "-j")
        {
            Description = "With COMMAND, run at most N commands at once (0: no limit); while N run, take no " +
                          "message until one ends, holding broadcasters back as a slow reader of stdout does. " +
                          "-j 1 runs them one after another, in message order. Default: the number of CPUs " +
                          $"this process may use ({DefaultJobs} here).",
            HelpName = "N",
            CustomParser = result =>
            {
                string text = result.Tokens[0].Value;
                if (int.TryParse(text, System.Globalization.NumberStyles.None, null, out int n)) return n;
                result.AddError($"--jobs: '{text}' is not a whole number (0 for no limit)");
                return null;
            },
        };
        var json = CommonOptions.Json(
            "Print each message as one JSON object on a line: {\"pid\":N,\"text\":\"...\",\"bytes\":N}, pid the sender's " +
            "process id by the '<pid> <text>' convention (null without one), text the message after '<pid> ' (the whole " +
            "message without one), bytes the whole message's length in bytes. Bytes that are not UTF-8 are written as " +
            "\\udc80 to \\udcff (bus-listen(1)). Not with COMMAND or -0.");
        var command = new Command("listen",
            "Listen on a bus until stopped. Without COMMAND, print each message followed by a newline, flushed per " +
            "message; with COMMAND, run 'sh -c COMMAND' with $msg set to the message, without waiting for it " +
            "(at most --jobs at once). " +
            "SIGINT, SIGTERM and SIGHUP end it at once wherever it is blocked, leaving the bus cleanly " +
            "(the kernel undoes its steps); a closed stdout (its reader gone) makes it leave and exit 0, any other " +
            "failure to write it (a full disk) is an error, status 1. Messages, COMMAND and $msg " +
            "go byte for byte. " +
            "Exit status: 0 count reached or stdout closed, 1 failure (including a removed bus or output that could not be written), " +
            "2 bad command line, 4 idle for --timeout, 128+N ended by signal N.");
        var timeout = CommonOptions.Timeout(
            "Exit with status 4 once no message (none that --match matches) has arrived for DURATION since it started " +
            "(joining included) or since the last one.");
        options.AddTo(command);
        command.Add(count);
        command.Add(timeout);
        command.Add(jobs);
        command.Add(json);
        command.Validators.Add(result =>
        {
            if (result.GetResult(jobs) is not null && result.GetValue(options.Command) is null)
                result.AddError("--jobs applies only with COMMAND");
            else if (result.GetValue(json) && result.GetValue(options.Command) is not null)
                result.AddError("--json applies only without COMMAND (the command gets $msg)");
            else if (result.GetValue(json) && result.GetValue(options.Null))
                result.AddError("--json and --null do not go together: JSON lines never hold a newline");
        });
        command.SetAction(result => Run(result.Stdout(), result.Stderr(), new ListenSettings(
            result.GetValue(options.Path)!,
            result.GetValue(options.Command),
            result.GetValue(options.Null),
            result.GetValue(count),
            result.GetValue(options.Ready),
            result.GetValue(options.ReadyFile),
            result.GetValue(options.Match),
            DurationParser.Limit(result.GetValue(timeout)),
            result.GetValue(jobs) ?? DefaultJobs,
            result.GetValue(json))));
        return command;
    }

    /// <summary>
    /// --jobs by default: the CPUs this process may use (affinity and cgroup quota included),
    /// as GNU parallel does: more commands at once than CPUs only queue for them.
    /// </summary>
    private static int DefaultJobs => Environment.ProcessorCount;

    public static int Run(TextWriter stdout, TextWriter stderr, ListenSettings settings)
        => Listening.Run(stdout, stderr, settings, awaitCommand: false);
}
