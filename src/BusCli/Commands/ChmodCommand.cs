using System.CommandLine;
using LibBus;

namespace BusCli.Commands;

/// <summary><c>bus chmod MODE PATH</c>.</summary>
internal static class ChmodCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
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
        var path = new Argument<string>("PATH") { Description = "The bus's key file." };
        var allowOwnerMismatch = AdminOptions.AllowOwnerMismatch();
        var command = new Command("chmod",
            "Change who may use a bus. A class with access may listen and broadcast; the key file gets read " +
            "permission for those classes and write permission for the owner only. " +
            "Exit status: 0 changed, 1 failure, 2 bad command line.")
        {
            allowOwnerMismatch,
            mode,
            path,
        };
        command.SetAction(result => Run(stdout, stderr, result.GetValue(mode)!, result.GetValue(path)!, result.GetValue(allowOwnerMismatch)));
        return command;
    }

    public static int Run(TextWriter stdout, TextWriter stderr, ModeChange mode, string path, bool allowOwnerMismatch = false)
    {
        try
        {
            // One call: the bus is read and changed through one open key file.
            Bus.ChangeMode(path, mode.Apply, allowOwnerMismatch);
            return ExitCodes.Success;
        }
        catch (Exception e)
        {
            return CliErrors.Report(stderr, path, e);
        }
    }
}
