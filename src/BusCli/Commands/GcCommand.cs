using System.CommandLine;
using LibBus;

namespace BusCli.Commands;

/// <summary><c>bus gc [--dry-run] [--orphans [--min-idle DURATION]] [DIR...]</c>.</summary>
internal static class GcCommand
{
    public static Command Create()
    {
        var dryRun = new Option<bool>("--dry-run", "-n")
        {
            Description = "Report what would be removed; change nothing.",
        };
        var orphans = new Option<bool>("--orphans")
        {
            Description = "Also remove the objects of buses you made with 'bus create' (LibBus 'Bus.Create', 'bus run') " +
                          "whose key file is gone, wherever it was: each create records its objects and the key file's " +
                          "absolute path in .registry in the default directory before it makes them, and gc removes them only " +
                          "if that exact file and every key file in DIR no longer name them, no create is still at work on them, " +
                          "they were created by you, and nothing has used them for --min-idle. Objects without a record (made by " +
                          "C programs, older LibBus, or another user) are never removed. Refused if the default directory is " +
                          "missing (bus-gc(1) has the exact rule).",
        };
        var minIdle = new Option<TimeSpan>("--min-idle")
        {
            Description = "With --orphans: how long an object must have been unused (no operation, attach, detach or " +
                          "change): a number with an optional unit ms, s (default), m or h. Default 1h.",
            HelpName = "DURATION",
            DefaultValueFactory = _ => TimeSpan.FromHours(1),
            CustomParser = arg =>
            {
                if (DurationParser.TryParse(arg.Tokens[0].Value, out TimeSpan value, out string error)) return value;
                arg.AddError(error);
                return default;
            },
        };
        var directories = ListCommand.DirectoriesArgument("The directories whose key files are checked (not their subdirectories).");
        var command = new Command("gc",
            "Remove what reboots, logouts, a stray rm, an ipcrm or a killed 'bus create' or 'bus run' left behind, printing " +
            "one line for each: stale key files (both IPC objects gone), broken buses (one object gone: the other and the " +
            "key file go) and buses abandoned by a killed 'bus run', in DIR; with --orphans, also the objects of buses you " +
            "created whose key file is gone. Never touches another user's files or objects, nor anything that is not " +
            "exactly bus-shaped; a key file made in another IPC namespace (a container sharing DIR) is skipped, saying so. " +
            "Exit status: 0 done (also when nothing was found), 1 something could not be removed, " +
            "a directory could not be read, or --orphans without the default directory, 2 bad command line.")
        {
            dryRun,
            orphans,
            minIdle,
            directories,
        };
        command.SetAction(result => Run(result.Stdout(), result.Stderr(), result.GetValue(directories) ?? [], new BusGarbageOptions
        {
            DryRun = result.GetValue(dryRun),
            Orphans = result.GetValue(orphans),
            MinimumIdle = result.GetValue(minIdle),
        }));
        return command;
    }

    public static int Run(TextWriter stdout, TextWriter stderr, string[] directories, BusGarbageOptions options)
    {
        // The records that prove an object an orphan live in the default directory: without it,
        // nothing can be proved, and an empty scan must not look like "nothing named anywhere".
        if (options.Orphans && !Directory.Exists(Bus.DefaultDirectory))
        {
            CliErrors.Write(stderr, Bus.DefaultDirectory,
                "no such directory: with --orphans, gc needs the default directory (it holds the records 'bus create' " +
                "writes; set XDG_RUNTIME_DIR as 'bus create' had it); nothing was removed");
            return ExitCodes.Failure;
        }
        string[] scanned = directories.Length == 0 ? [Bus.DefaultDirectory] : directories;
        IReadOnlyList<BusGarbage> found;
        bool ok = true;
        try
        {
            // Every directory is read before anything is removed: a missing one (a typo must not
            // make anything look unnamed) or an unreadable one stops it. The default one need not
            // exist (no bus was ever created there).
            found = Bus.CollectGarbage(directories.Length == 0 ? scanned.Where(Directory.Exists) : scanned, options);
        }
        catch (BusNotFoundException e)
        {
            CliErrors.Write(stderr, e.Path, $"{e.Path}: no such directory; nothing was removed");
            return ExitCodes.Failure;
        }
        catch (Exception e)
        {
            return CliErrors.Report(stderr, null, e);
        }
        foreach (BusGarbage item in found)
        {
            if (item.Kind == BusGarbageKind.OtherNamespace)
            {
                stdout.WriteLine($"skipped {HumanText.Name(item.Path!)}: made in another IPC namespace, so never stale from here");
                continue;
            }
            if (item.Error is not null)
            {
                CliErrors.Write(stderr, null, $"could not remove {Describe(item)}: {item.Error}");
                ok = false;
                continue;
            }
            stdout.WriteLine($"{(options.DryRun ? "would remove" : "removed")} {Describe(item)}");
        }
        stdout.Flush();
        return ok ? ExitCodes.Success : ExitCodes.Failure;
    }

    private static string Describe(BusGarbage item) => item.Kind switch
    {
        BusGarbageKind.StaleKeyFile => $"stale key file {HumanText.Name(item.Path!)}",
        BusGarbageKind.AbandonedPrivateBus => $"abandoned bus {HumanText.Name(item.Path!)} (its 'bus run' is gone)",
        BusGarbageKind.BrokenBus => $"broken bus {HumanText.Name(item.Path!)} (one of its objects was gone: the other one and the key file)",
        BusGarbageKind.OrphanSemaphoreArray => $"orphan semaphore array {item.Id} (key {item.Key}; its key file {HumanText.Name(item.Path ?? "")} is gone)",
        _ => $"orphan shared memory segment {item.Id} (key {item.Key}; its key file {HumanText.Name(item.Path ?? "")} is gone)",
    };
}
