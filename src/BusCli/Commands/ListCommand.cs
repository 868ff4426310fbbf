using System.CommandLine;
using LibBus;

namespace BusCli.Commands;

/// <summary><c>bus list [--json] [DIR...]</c>.</summary>
internal static class ListCommand
{
    public static Command Create()
    {
        var json = CommonOptions.Json(StatusCommand.JsonDescription);
        var directories = DirectoriesArgument("The directories to list (not their subdirectories).");
        var command = new Command("list",
            "List the buses whose key files are in DIR (default $XDG_RUNTIME_DIR/bus, or /run/bus), one line each: " +
            "path, state (alive, stale, partial; unreadable when the objects may not be read; other-namespace for a key file " +
            "made in another IPC namespace, never stale from here; untrusted when its objects were not created by the key file's " +
            "owner or root, or have modes wider than the key file allows, and every verb refuses them) and listeners joined " +
            "('-' when unknown), separated by tabs. Files that are not bus key files are skipped. " +
            "Exit status: 0 listed (also when there are none, or the default directory does not exist), " +
            "1 a directory given could not be read (the others are listed), 2 bad command line.")
        {
            json,
            directories,
        };
        command.SetAction(result => Run(result.Stdout(), result.Stderr(), result.GetValue(directories) ?? [], result.GetValue(json)));
        return command;
    }

    /// <summary>DIR..., shared with gc.</summary>
    internal static Argument<string[]> DirectoriesArgument(string description) => new("DIR")
    {
        Description = description + " Default: $XDG_RUNTIME_DIR/bus, or /run/bus when XDG_RUNTIME_DIR is unset or empty.",
        Arity = ArgumentArity.ZeroOrMore,
    };

    /// <summary>
    /// Runs <paramref name="each"/> on each directory: those given, or the default one, whose
    /// absence is not an error. Errors are reported on stderr; returns false if there was one.
    /// </summary>
    internal static bool ForEachDirectory(TextWriter stderr, string[] directories, Action<string> each)
    {
        bool ok = true;
        bool defaulted = directories.Length == 0;
        foreach (string directory in defaulted ? [Bus.DefaultDirectory] : directories)
        {
            try
            {
                each(directory);
            }
            catch (BusNotFoundException) when (defaulted)
            {
                // No bus was ever created there.
            }
            catch (Exception e) when (e is BusException or ArgumentException)
            {
                CliErrors.Report(stderr, directory, e);
                ok = false;
            }
        }
        return ok;
    }

    public static int Run(TextWriter stdout, TextWriter stderr, string[] directories, bool json)
    {
        var buses = new List<BusStatus>();
        bool ok = ForEachDirectory(stderr, directories, directory => buses.AddRange(Bus.ListBuses(directory)));
        try
        {
            if (json)
            {
                StatusCommand.WriteJson(stdout, w =>
                {
                    w.WriteStartArray();
                    foreach (BusStatus bus in buses)
                    {
                        w.WriteStartObject();
                        HumanText.WriteName(w, "path", bus.Path);
                        w.WriteString("state", StatusCommand.StateName(bus.State));
                        StatusCommand.Number(w, "listeners_joined", bus.ListenersJoined);
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                });
            }
            else
            {
                foreach (BusStatus bus in buses)
                    stdout.WriteLine($"{HumanText.Name(bus.Path)}\t{StatusCommand.StateName(bus.State)}\t{bus.ListenersJoined?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}");
            }
            stdout.Flush();
        }
        catch (OutputFailedException e)
        {
            return CliErrors.Report(stderr, null, e);
        }
        return ok ? ExitCodes.Success : ExitCodes.Failure;
    }
}
