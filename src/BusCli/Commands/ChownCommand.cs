using System.CommandLine;
using LibBus;

namespace BusCli.Commands;

/// <summary><c>bus chown OWNER[:GROUP] PATH</c>.</summary>
internal static class ChownCommand
{
    /// <summary>A parsed <c>OWNER[:GROUP]</c>; <see cref="LoginGroup"/> is the <c>OWNER:</c> form.</summary>
    internal sealed record Ownership(string? User, string? Group, bool LoginGroup);

    public static Command Create()
    {
        var owner = new Argument<Ownership>("OWNER[:GROUP]")
        {
            Description = "The new owner, by name or number; ':GROUP' also sets the group, 'OWNER:' sets the " +
                          "owner's login group, ':GROUP' alone sets only the group.",
            CustomParser = arg =>
            {
                if (TryParse(arg.Tokens[0].Value, out Ownership? ownership, out string error)) return ownership;
                arg.AddError(error);
                return null;
            },
        };
        var path = CommonOptions.Path();
        var allowOwnerMismatch = CommonOptions.AllowOwnerMismatch();
        var command = new Command("chown",
            "Change the owner (and group) of a bus's key file, semaphore array and shared memory segment. " +
            "Exit status: 0 changed, 1 failure (unknown user or group, not permitted), 2 bad command line.")
        {
            allowOwnerMismatch,
            owner,
            path,
        };
        command.SetAction(result => Run(result.Stdout(), result.Stderr(), result.GetValue(owner)!, result.GetValue(path)!, result.GetValue(allowOwnerMismatch)));
        return command;
    }

    internal static bool TryParse(string text, out Ownership? ownership, out string error)
    {
        ownership = null;
        error = "";
        int colon = text.IndexOf(':');
        string user = colon < 0 ? text : text[..colon];
        string? group = colon < 0 ? null : text[(colon + 1)..];
        if (user.Length == 0 && string.IsNullOrEmpty(group) || group is not null && group.Contains(':'))
        {
            error = $"'{text}': not OWNER[:GROUP]";
            return false;
        }
        ownership = new Ownership(user.Length == 0 ? null : user, string.IsNullOrEmpty(group) ? null : group, group is { Length: 0 });
        return true;
    }

    public static int Run(TextWriter stdout, TextWriter stderr, Ownership ownership, string path, bool allowOwnerMismatch = false)
    {
        try
        {
            string? group = ownership.Group;
            if (ownership.LoginGroup && ownership.User is { } user)
                group = LoginGroupOf(user);
            Bus.ChangeOwner(path, ownership.User, group, allowOwnerMismatch);
            return ExitCodes.Success;
        }
        catch (Exception e)
        {
            return CliErrors.Report(stderr, path, e);
        }
    }

    private static string LoginGroupOf(string user)
        => UserDatabase.ResolveLoginGroup(user).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
