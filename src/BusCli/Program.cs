using System.CommandLine;
using System.CommandLine.Invocation;
using System.Text;
using BusCli;
using BusCli.Commands;

// The C bus's options before the verb ('bus -n broadcast PATH MESSAGE') move after it.
args = LeadingOptions.MoveAfterVerb(args);

// 'bus broadcast PATH MESSAGE' is what shell users run once per event: take it
// straight to the verb's Run, the same one the parsed command calls, without
// building the command tree or opening stdout and stderr (start-up time is part
// of the product). Anything else, options and '-' included, goes through the
// parser below.
if (args is ["broadcast", var fastPath, var fastMessage] && !fastPath.StartsWith('-') && !fastMessage.StartsWith('-'))
    return BroadcastCommand.Run(() => Console.Error, Console.OpenStandardInput, fastPath, fastMessage, noWait: false, timeout: null);

// Assembles the root command; each verb lives in Commands/<Verb>Command.cs.
var stdout = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false), 4096) { AutoFlush = false };
TextWriter stderr = Console.Error;

var root = new RootCommand(
    "bus - broadcast messages between processes over a bus named by a key file (System V semaphores and shared memory). " +
    "Options go after the verb (the C bus's -x and -n are also taken before it); 'bus VERB --help' describes each verb. " + ExitCodes.Table)
{
    CreateCommand.Create(stdout, stderr),
    RemoveCommand.Create(stdout, stderr),
    BroadcastCommand.Create(stderr, Console.OpenStandardInput),
    ListenCommand.Create(stdout, stderr),
    WaitCommand.Create(stdout, stderr),
    ChmodCommand.Create(stdout, stderr),
    ChownCommand.Create(stdout, stderr),
    ChgrpCommand.Create(stdout, stderr),
    StatusCommand.Create(stdout, stderr),
    ListCommand.Create(stdout, stderr),
    GcCommand.Create(stdout, stderr),
    RunCommand.Create(stdout, stderr),
};
root.Directives.Clear(); // '[suggest]' and friends are valid messages, not directives.

// '@file' is a valid message or path, not a response file.
ParseResult parsed = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
int status;
string? dashed = StrayOption(parsed);
if (dashed is not null && !args.Any(a => a is "--help" or "-h" or "-?" or "--version"))
{
    string verb = parsed.CommandResult.Command == root ? "bus" : "bus " + parsed.CommandResult.Command.Name;
    CliErrors.Write(stderr, null, $"unrecognized option '{dashed}' (put '--' before an argument that starts with '-'; try '{verb} --help')");
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
    CliErrors.Write(stderr, null, $"{text} (try '{verb} --help')");
    status = ExitCodes.Usage;
}
else
{
    status = parsed.Invoke(new InvocationConfiguration
    {
        Output = stdout,
        Error = stderr,
        EnableDefaultExceptionHandler = false,
        ProcessTerminationTimeout = null,
    });
}
try
{
    stdout.Flush();
}
catch (IOException)
{
    // stdout's reader went away: nothing more to say.
}
return status;

// System.CommandLine takes an unknown '-x' as a value for a free argument slot; a Unix
// tool calls it an unknown option unless it comes after '--'. A lone '-' is stdin;
// a chmod MODE may start with '-' ('-g').
static string? StrayOption(ParseResult parsed)
{
    foreach (System.CommandLine.Parsing.Token token in parsed.Tokens)
    {
        if (token.Type == System.CommandLine.Parsing.TokenType.DoubleDash) return null;
        if (token.Type == System.CommandLine.Parsing.TokenType.Argument && token.Value.Length > 1 && token.Value[0] == '-'
            && !(parsed.CommandResult.Command.Name == "chmod" && ModeChange.TryParse(token.Value, out _, out _)))
            return token.Value;
    }
    return null;
}
