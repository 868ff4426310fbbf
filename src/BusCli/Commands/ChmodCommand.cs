using System.CommandLine;
using LibBus;

namespace BusCli.Commands;

/// <summary><c>bus chmod MODE PATH</c>.</summary>
internal static class ChmodCommand
{
    public static Command Create()
    {
        var mode = new Argument<ModeChange>("MODE")
        {
            Description = "Octal (any bit of 700, 070 or 007 gives the owner, group or others access), or " +
                          "classes u g o (a = all) with = + - read left to right, starting with an implied =: " +
                          "'ug' owner and group only, '+o' add others, '-g' remove the group.",
            CustomParser = arg =>
            {
                if (ModeChange.TryParse(arg.Tokens[0].Value, out ModeChange? change, out string error)) return change;
                arg.AddError(error);
                return null;
            },
        };
        var path = CommonOptions.Path();
        var allowOwnerMismatch = CommonOptions.AllowOwnerMismatch();
        var command = new Command("chmod",
            "Change who may use a bus. A class with access may listen and broadcast; the key file gets read " +
            "permission for those classes and write permission for the owner only. " +
            "Exit status: 0 changed, 1 failure, 2 bad command line.")
        {
            allowOwnerMismatch,
            mode,
            path,
        };
        command.SetAction(result => Run(result.Stdout(), result.Stderr(), result.GetValue(mode)!, result.GetValue(path)!, result.GetValue(allowOwnerMismatch)));
        return command;
    }

    public static int Run(TextWriter stdout, TextWriter stderr, ModeChange mode, string path, bool allowOwnerMismatch = false)
    {
        try
        {
            // One call: the bus is read and changed through one open key file.
            Bus.ChangeMode(path, current => (UnixFileMode)mode.Apply((int)current), allowOwnerMismatch);
            WarnIfLockedOut(stderr, path);
            return ExitCodes.Success;
        }
        catch (Exception e)
        {
            return CliErrors.Report(stderr, path, e);
        }
    }

    /// <summary>
    /// Says so on stderr if the caller can no longer use the bus (a mode such as 'o' or 'g' leaves
    /// its owner out). Only the owner (or root, who never loses access) can change the mode, so
    /// the caller is the owner, and 'bus chmod +u' gives the access back.
    /// </summary>
    private static void WarnIfLockedOut(TextWriter stderr, string path)
    {
        try
        {
            Bus.GetInfo(path); // reads the key file and both objects' status, as using the bus does
        }
        catch (BusAccessDeniedException)
        {
            CliErrors.Write(stderr, path,
                $"warning: you can no longer use this bus: the new mode gives its owner (you) no access; to restore it: bus chmod +u {path}");
        }
        catch (BusException)
        {
            // Removed meanwhile, say: not this command's business any more.
        }
    }
}
