using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using BusCli.Commands;

namespace BusCli;

/// <summary>
/// The command line of <c>bus</c> (all but the broadcast fast path): the verbs, the parse, the
/// one-line usage errors (with "did you mean"), and the run of the verb. It writes only to the
/// writers it is given, which reach each verb through the invocation
/// (<see cref="InvocationWriters"/>): the process passes its standard output and error
/// (Program.cs), tests pass <see cref="StringWriter"/>s and run this very parser in-process.
/// </summary>
internal static class BusCommandLine
{
    /// <summary>
    /// The root command and every verb; each verb lives in Commands/&lt;Verb&gt;Command.cs. The root is
    /// named <c>bus</c>, as help and errors call it, not after the running executable as a
    /// <see cref="RootCommand"/> would be (in-process, that is the test host); it has the root's
    /// --help and --version, and no directives: '[suggest]' and friends are valid messages.
    /// </summary>
    /// <param name="openInput">Standard input, opened when a verb reads it (<c>broadcast PATH -</c>).</param>
    public static Command Create(Func<Stream> openInput)
    {
        var root = new Command("bus",
            "bus - broadcast messages between processes over a bus named by a key file (System V semaphores and shared memory). " +
            "Options go after the verb (the C bus's -x and -n are also taken before it); 'bus VERB --help' describes each verb. " + ExitCodes.Table)
        {
            new HelpOption(),
            new VersionOption(),
            CreateCommand.Create(),
            RemoveCommand.Create(),
            BroadcastCommand.Create(openInput),
            ListenCommand.Create(),
            WaitCommand.Create(),
            ChmodCommand.Create(),
            ChownCommand.Create(),
            ChgrpCommand.Create(),
            StatusCommand.Create(),
            ListCommand.Create(),
            GcCommand.Create(),
            RunCommand.Create(),
            BridgeCommand.Create(),
        };
        RootHelp.Install(root);
        return root;
    }

    /// <summary>
    /// Parses <paramref name="args"/> (the C bus's leading options already moved after the verb:
    /// <see cref="LeadingOptions"/>), runs the verb, flushes <paramref name="stdout"/> and returns
    /// the exit status. Bad command lines get one line on <paramref name="stderr"/> and status 2.
    /// </summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, Func<Stream> openInput)
    {
        Command root = Create(openInput);

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
            ParseError error = parsed.Errors
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
    private static string? BadValue(ParseResult parsed)
    {
        foreach (SymbolResult child in parsed.CommandResult.Children)
        {
            (string name, IReadOnlyList<Token> tokens) = child switch
            {
                ArgumentResult a => (a.Argument.Name, a.Tokens),
                OptionResult o => (o.Option.Name, o.Tokens),
                _ => ("", []),
            };
            // Messages and commands pass byte for byte; so do the paths of buses and the directories
            // of list and gc, which LibBus hands to the kernel byte for byte (Interop.FileNames).
            if (name is "MESSAGE" or "COMMAND" or "CMD") continue;
            foreach (Token token in tokens)
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
    private static string? StrayOption(ParseResult parsed)
    {
        var optionValues = parsed.CommandResult.Children.OfType<OptionResult>()
            .SelectMany(o => o.Tokens).ToHashSet();
        foreach (Token token in parsed.Tokens)
        {
            if (token.Type == TokenType.DoubleDash) return null;
            if (token.Type == TokenType.Argument && token.Value.Length > 1 && token.Value[0] == '-'
                && !optionValues.Contains(token)
                && !(parsed.CommandResult.Command.Name == "chmod" && ModeChange.TryParse(token.Value, out _, out _)))
                return token.Value;
        }
        return null;
    }
}
