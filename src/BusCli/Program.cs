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

// Everything but the fast path: the arguments as passed, the standard streams, then the parser.
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

    var stdout = new StreamWriter(StandardStreams.OpenOutput(), new UTF8Encoding(false), 4096) { AutoFlush = false };
    TextWriter stderr = StandardStreams.Error();
    // Anything that would reach for the console (System.CommandLine's defaults) gets these instead.
    Console.SetOut(stdout);
    Console.SetError(stderr);
    return BusCommandLine.Run(args, stdout, stderr, StandardStreams.OpenInput);
}
