using System.CommandLine;
using LibBus;

namespace BusCli.Commands;

/// <summary><c>bus remove [-f] PATH</c>.</summary>
internal static class RemoveCommand
{
    public static Command Create()
    {
        var path = CommonOptions.Path();
        var allowOwnerMismatch = CommonOptions.AllowOwnerMismatch();
        var force = new Option<bool>("--force", "-f")
        {
            Description = "A missing key file (or directory) is not an error. A stale bus (key file left, objects gone) " +
                          "is removed without error with or without it.",
        };
        var command = new Command("remove",
            "Remove a bus: its semaphore array, its shared memory segment and its key file, in that order. " +
            "Nothing is removed unless both objects are exactly a bus's and owned by the key file's owner; " +
            "the key file is removed last, and only once both objects are gone. A part already gone counts as removed, " +
            "so running it again finishes a removal that stopped halfway; it then says on stderr what it found gone and " +
            "what it removed (not with -f). An error line says what could not be removed and what was. " +
            "Exit status: 0 every part is gone now (or, with -f, there was no key file), 1 failure (a part is left: " +
            "run it again once the cause is fixed), 2 bad command line.")
        {
            force,
            allowOwnerMismatch,
            path,
        };
        command.SetAction(result => Run(result.Stdout(), result.Stderr(), result.GetValue(path)!, result.GetValue(allowOwnerMismatch), result.GetValue(force)));
        return command;
    }

    public static int Run(TextWriter stdout, TextWriter stderr, string path, bool allowOwnerMismatch = false, bool force = false)
    {
        try
        {
            BusRemoval removal = Bus.Remove(path, allowOwnerMismatch);
            // Finishing what an earlier removal (or an ipcrm) left: say what was found gone.
            if (!force && (removal.SemaphoreArray.AlreadyGone || removal.Segment.AlreadyGone))
                CliErrors.Write(stderr, path, removal.ToString());
            return ExitCodes.Success;
        }
        catch (BusNotFoundException) when (force)
        {
            return ExitCodes.Success;
        }
        catch (BusRemovalException e)
        {
            CliErrors.Write(stderr, path, e.Removal.ToString());
            return ExitCodes.Failure;
        }
        catch (Exception e)
        {
            return CliErrors.Report(stderr, path, e);
        }
    }
}
