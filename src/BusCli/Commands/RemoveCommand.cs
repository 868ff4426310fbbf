using System.CommandLine;
using LibBus;

namespace BusCli.Commands;

/// <summary><c>bus remove PATH</c>.</summary>
internal static class RemoveCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var path = new Argument<string>("PATH") { Description = "The bus's key file." };
        var command = new Command("remove",
            "Remove a bus: its semaphore array, its shared memory segment and its key file. " +
            "All three are attempted; an error line says what could not be removed. " +
            "Exit status: 0 removed, 1 failure, 2 bad command line.")
        {
            path,
        };
        command.SetAction(result => Run(stdout, stderr, result.GetValue(path)!));
        return command;
    }

    public static int Run(TextWriter stdout, TextWriter stderr, string path)
    {
        try
        {
            Bus.Remove(path);
            return ExitCodes.Success;
        }
        catch (Exception e)
        {
            return CliErrors.Report(stderr, path, e);
        }
    }
}
