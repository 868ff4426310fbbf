using System.CommandLine;
using LibBus;

namespace BusCli.Commands;

/// <summary><c>bus chgrp GROUP PATH</c>.</summary>
internal static class ChgrpCommand
{
    public static Command Create()
    {
        var group = new Argument<string>("GROUP") { Description = "The new group, by name or number." };
        var path = CommonOptions.Path();
        var allowOwnerMismatch = CommonOptions.AllowOwnerMismatch();
        group.Validators.Add(arg =>
        {
            string value = arg.Tokens[0].Value;
            if (value.Length == 0 || value.Contains(':')) arg.AddError($"'{value}': not a group name or number");
        });
        var command = new Command("chgrp",
            "Change the group of a bus's key file, semaphore array and shared memory segment. " +
            "Exit status: 0 changed, 1 failure (unknown group, not permitted), 2 bad command line.")
        {
            allowOwnerMismatch,
            group,
            path,
        };
        command.SetAction(result => Run(result.Stdout(), result.Stderr(), result.GetValue(group)!, result.GetValue(path)!, result.GetValue(allowOwnerMismatch)));
        return command;
    }

    public static int Run(TextWriter stdout, TextWriter stderr, string group, string path, bool allowOwnerMismatch = false)
    {
        try
        {
            Bus.ChangeOwner(path, null, group, allowOwnerMismatch);
            return ExitCodes.Success;
        }
        catch (Exception e)
        {
            return CliErrors.Report(stderr, path, e);
        }
    }
}
