using System.CommandLine;
using LibBus;

namespace BusCli.Commands;

/// <summary><c>bus create [-x] [PATH]</c>.</summary>
internal static class CreateCommand
{
    public static Command Create()
    {
        var exclusive = new Option<bool>("--exclusive", "-x")
        {
            Description = "Fail if PATH already exists.",
        };
        var path = new Argument<string?>("PATH")
        {
            Description = "Where to create the bus's key file. Without it, the bus is created at a new random path " +
                          "under $XDG_RUNTIME_DIR/bus (or /run/bus) and the path is printed.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var command = new Command("create", "Create a bus. Exit status: 0 created (or PATH already is a bus), 1 failure, 2 bad command line.")
        {
            exclusive,
            path,
        };
        command.SetAction(result => Run(result.Stdout(), result.Stderr(), result.GetValue(path), result.GetValue(exclusive)));
        return command;
    }

    public static int Run(TextWriter stdout, TextWriter stderr, string? path, bool exclusive)
    {
        try
        {
            if (path is null)
            {
                if (StandardStreams.StdoutClosed)
                    return CliErrors.Report(stderr, null, StandardStreams.StdoutClosedError("print the new bus's path; nothing was created"));
                string created = Bus.CreateRandom();
                try
                {
                    stdout.WriteLine(created);
                    stdout.Flush();
                }
                catch (OutputFailedException)
                {
                    // Nobody can learn the new bus's path: take it back rather than leak it.
                    Bus.Remove(created);
                    throw;
                }
            }
            else
            {
                Bus.Create(path, exclusive);
            }
            return ExitCodes.Success;
        }
        catch (Exception e)
        {
            return CliErrors.Report(stderr, path, e, path is null ? Hints.CreateWithoutPath(e) : "");
        }
    }
}
