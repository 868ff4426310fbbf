using System.CommandLine;
using System.CommandLine.Invocation;
using System.Text;
using BusCli;
using BusCli.Commands;

// Another architecture than x64 or arm64 (a framework-dependent build run there): one line, at
// once, before any native call could use a constant LibBus does not know for it.
if (!LibBus.Interop.Architectures.IsSupported(System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture))
{
    CliErrors.Write(StandardStreams.Error(), null,
        LibBus.Interop.Architectures.Unsupported(System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture).Message);
    return ExitCodes.Failure;
}

// Whatever escapes a verb, the runtime's own failures at a resource limit included (no
// thread, descriptor or memory left), ends as one line and status 1 (CliErrors.Unexpected).
AppDomain.CurrentDomain.UnhandledException += (_, e) => Environment.Exit(CliErrors.Unexpected(e.ExceptionObject as Exception));
try
{
    return Start(args);
}
catch (Exception e)
{
    return CliErrors.Unexpected(e);
}

static int Start(string[] args)
{
    // The C bus's options before the verb ('bus -n broadcast PATH MESSAGE') move after it.
    string[] given = args;
    args = LeadingOptions.MoveAfterVerb(args);

    // 'bus broadcast PATH MESSAGE' is what shell users run once per event: take it
    // straight to the verb's Run, the same one the parsed command calls, without
    // building the command tree or opening stdout and stderr (start-up time is part
    // of the product). Anything else, options, '-', an empty path and arguments that may not be
    // UTF-8 (RawArguments) included, goes through the parser below.
    if (args is ["broadcast", { Length: > 0 } fastPath, var fastMessage] && !fastPath.StartsWith('-') && !fastMessage.StartsWith('-')
        && !RawArguments.MayBeAltered(fastPath) && !RawArguments.MayBeAltered(fastMessage))
        return BroadcastCommand.Run(StandardStreams.Error, StandardStreams.OpenInput, fastPath, fastMessage, noWait: false, timeout: null);

    StandardStreams.Secure();
    return Run(given);
}

// Everything but the fast path: parse, then run the verb.
static int Run(string[] args)
{
    try
    {
        // Recovered in the order given, which is the order of /proc/self/cmdline.
        args = LeadingOptions.MoveAfterVerb(RawArguments.Recover(args));
    }
    catch (LibBus.BusException e)
    {
        return CliErrors.Report(StandardStreams.Error(), null, e);
    }

    // Assembles the root command; each verb lives in Commands/<Verb>Command.cs.
    var stdout = new StreamWriter(StandardStreams.OpenOutput(), new UTF8Encoding(false), 4096) { AutoFlush = false };
    TextWriter stderr = StandardStreams.Error();
    // Anything that would reach for the console (System.CommandLine's defaults) gets these instead.
    Console.SetOut(stdout);
    Console.SetError(stderr);

    var root = new RootCommand(
        "bus - broadcast messages between processes over a bus named by a key file (System V semaphores and shared memory). " +
        "Options go after the verb (the C bus's -x and -n are also taken before it); 'bus VERB --help' describes each verb. " + ExitCodes.Table)
    {
        CreateCommand.Create(stdout, stderr),
        RemoveCommand.Create(stdout, stderr),
        BroadcastCommand.Create(stderr, StandardStreams.OpenInput),
        ListenCommand.Create(stdout, stderr),
        WaitCommand.Create(stdout, stderr),
        ChmodCommand.Create(stdout, stderr),
        ChownCommand.Create(stdout, stderr),
        ChgrpCommand.Create(stdout, stderr),
        StatusCommand.Create(stdout, stderr),
        ListCommand.Create(stdout, stderr),
        GcCommand.Create(stdout, stderr),
        RunCommand.Create(stdout, stderr),
        BridgeCommand.Create(stdout, stderr),
    };
    root.Directives.Clear(); // '[suggest]' and friends are valid messages, not directives.
    RootHelp.Install(root);

    // 'bus help [VERB]' is 'bus [VERB] --help', as in git and go.
    if (args is ["help"] or ["help", "-h" or "--help" or "-?"]) args = ["--help"];
    else if (args is ["help", { } helpVerb])
    {
        if (!root.Subcommands.Any(c => c.Name == helpVerb))
        {
            CliErrors.Write(stderr, null, $"no verb '{HumanText.Name(helpVerb)}' (try 'bus --help')");
            return ExitCodes.Usage;
        }
        args = [helpVerb, "--help"];
    }

    // '@file' is a valid message or path, not a response file.
    ParseResult parsed = root.Parse(args.Length == 0 ? ["--help"] : args, new ParserConfiguration { ResponseFileTokenReplacer = null });
    int status;
    string? dashed = StrayOption(parsed);
    if (args.Length == 0)
    {
        // Plain 'bus': the verbs, as 'bus --help' lists them, on stderr, and status 2.
        parsed.Invoke(new InvocationConfiguration { Output = stderr, Error = stderr, EnableDefaultExceptionHandler = false });
        status = ExitCodes.Usage;
    }
    else if (dashed is not null && !args.Any(a => a is "--help" or "-h" or "-?" or "--version"))
    {
        Command command = parsed.CommandResult.Command;
        string verb = command == root ? "bus" : "bus " + command.Name;
        string? guess = Hints.DidYouMean(dashed, command.Options.SelectMany(o => o.Aliases.Prepend(o.Name)).Where(n => n.StartsWith("--", StringComparison.Ordinal)));
        CliErrors.Write(stderr, null, guess is not null
            ? $"unrecognized option '{dashed}' ({guess} try '{verb} --help')"
            : $"unrecognized option '{dashed}' (put '--' before an argument that starts with '-'; try '{verb} --help')");
        status = ExitCodes.Usage;
    }
    else if (parsed.Action is ParseErrorAction)
    {
        // One line: the most telling error (an unknown token beats "missing command"), and where to look.
        System.CommandLine.Parsing.ParseError error = parsed.Errors
            .FirstOrDefault(e => parsed.UnmatchedTokens.Any(t => e.Message.Contains($"'{t}'", StringComparison.Ordinal)))
            ?? parsed.Errors[0];
        string verb = parsed.CommandResult.Command == root ? "bus" : "bus " + parsed.CommandResult.Command.Name;
        string text = error.Message.TrimEnd('.');
        if (text.Length > 0) text = char.ToLowerInvariant(text[0]) + text[1..];
        if (Hints.Unquoted(parsed) is { } unquoted) text = unquoted;
        // An unknown verb close to a known one ('brodcast').
        string? guess = parsed.CommandResult.Command == root && parsed.UnmatchedTokens is [{ } first, ..] && args[0] == first
            ? Hints.DidYouMean(first, root.Subcommands.Select(c => c.Name))
            : null;
        CliErrors.Write(stderr, null, guess is not null ? $"{text} ({guess} try '{verb} --help')" : $"{text} (try '{verb} --help')");
        status = ExitCodes.Usage;
    }
    else if (BadValue(parsed) is { } bad)
    {
        CliErrors.Write(stderr, null, bad);
        status = ExitCodes.Failure;
    }
    else
    {
        try
        {
            status = parsed.Invoke(new InvocationConfiguration
            {
                Output = stdout,
                Error = stderr,
                EnableDefaultExceptionHandler = false,
                ProcessTerminationTimeout = null,
            });
        }
        catch (OutputFailedException e)
        {
            // A verb that does not catch it (help, --version, gc's listing).
            status = CliErrors.Report(stderr, null, e);
        }
    }
    try
    {
        // A reader that went away (EPIPE) is taken as written; any other failure is an error.
        stdout.Flush();
    }
    catch (OutputFailedException e)
    {
        int failed = CliErrors.Report(stderr, null, e);
        if (status == ExitCodes.Success) status = failed;
    }
    return status;
}

// A path (or user or group name) that LibBus cannot take as it is: empty, or not UTF-8 (its
// file and user APIs take text). Messages and commands are passed on as bytes instead.
static string? BadValue(ParseResult parsed)
{
    foreach (System.CommandLine.Parsing.SymbolResult child in parsed.CommandResult.Children)
    {
        (string name, IReadOnlyList<System.CommandLine.Parsing.Token> tokens) = child switch
        {
            System.CommandLine.Parsing.ArgumentResult a => (a.Argument.Name, a.Tokens),
            System.CommandLine.Parsing.OptionResult o => (o.Option.Name, o.Tokens),
            _ => ("", []),
        };
        // Messages and commands pass byte for byte; so do the paths of buses and the directories
        // of list and gc, which LibBus hands to the kernel byte for byte (Interop.FileNames).
        if (name is "MESSAGE" or "COMMAND" or "CMD") continue;
        foreach (System.CommandLine.Parsing.Token token in tokens)
        {
            if (token.Value.Length == 0 && name is "PATH" or "--ready-file")
                return $"{name} is empty: it must name a file";
            if (token.Value.Length == 0 && name is "--dir" or "DIR")
                return $"{name} is empty: it must name a directory";
            if (name is not ("PATH" or "DIR") && RawArguments.HasRawBytes(token.Value))
                return $"{HumanText.Name(token.Value)}: not valid UTF-8; bus passes messages and commands byte for byte, " +
                       "and the paths of buses, but other names only as UTF-8 text, so it cannot use this one unchanged";
        }
    }
    return null;
}

// System.CommandLine takes an unknown '-x' as a value for a free argument slot; a Unix
// tool calls it an unknown option unless it comes after '--'. A lone '-' is stdin;
// a chmod MODE may start with '-' ('-g').
// A value given to an option ('--timeout -1') is that option's to judge, and its error says
// what is wrong with the value.
static string? StrayOption(ParseResult parsed)
{
    var optionValues = parsed.CommandResult.Children.OfType<System.CommandLine.Parsing.OptionResult>()
        .SelectMany(o => o.Tokens).ToHashSet();
    foreach (System.CommandLine.Parsing.Token token in parsed.Tokens)
    {
        if (token.Type == System.CommandLine.Parsing.TokenType.DoubleDash) return null;
        if (token.Type == System.CommandLine.Parsing.TokenType.Argument && token.Value.Length > 1 && token.Value[0] == '-'
            && !optionValues.Contains(token)
            && !(parsed.CommandResult.Command.Name == "chmod" && ModeChange.TryParse(token.Value, out _, out _)))
            return token.Value;
    }
    return null;
}
