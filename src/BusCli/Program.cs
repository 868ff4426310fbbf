using System.CommandLine;
using System.CommandLine.Invocation;
using System.Text;
using BusCli;
using BusCli.Commands;

// Assembles the root command; each verb lives in Commands/<Verb>Command.cs.
var stdout = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false), 4096) { AutoFlush = false };
TextWriter stderr = Console.Error;

var root = new RootCommand(
    "bus - broadcast messages between processes over a bus named by a key file (System V semaphores and shared memory). " +
    "Options go after the verb; 'bus VERB --help' describes each verb. " + ExitCodes.Table)
{
    CreateCommand.Create(stdout, stderr),
    RemoveCommand.Create(stdout, stderr),
    BroadcastCommand.Create(stdout, stderr, Console.OpenStandardInput),
    ListenCommand.Create(stdout, stderr),
    WaitCommand.Create(stdout, stderr),
    ChmodCommand.Create(stdout, stderr),
    ChownCommand.Create(stdout, stderr),
    ChgrpCommand.Create(stdout, stderr),
};
root.Directives.Clear(); // '[suggest]' and friends are valid messages, not directives.

// '@file' is a valid message or path, not a response file.
ParseResult parsed = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
int status;
if (parsed.Action is ParseErrorAction)
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
