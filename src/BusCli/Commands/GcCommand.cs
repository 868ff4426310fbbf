using System.CommandLine;
using LibBus;

namespace BusCli.Commands;

/// <summary><c>bus gc [--dry-run] [--orphans [--min-idle DURATION]] [DIR...]</c>.</summary>
internal static class GcCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var dryRun = new Option<bool>("--dry-run", "-n")
        {
            Description = "Report what would be removed; change nothing.",
        };
        var orphans = new Option<bool>("--orphans")
        {
            Description = "Also remove orphan IPC objects: a semaphore array of exactly 5 semaphores or a shared memory " +
                          "segment of exactly 2048 bytes, owned by you, that no key file in the directories names, " +
                          "with nobody attached, waiting or joined, unused for --min-idle (bus-gc(1) has the exact rule).",
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
            "Remove what reboots, logouts, a stray rm or a killed 'bus run' left behind, printing one line for each: " +
            "stale key files (both IPC objects gone) and buses abandoned by a killed 'bus run', in DIR; " +
            "with --orphans, also your bus-shaped IPC objects that no key file in DIR names and nothing uses. " +
            "Never touches another user's files or objects, nor anything that is not exactly bus-shaped; " +
            "a key file made in another IPC namespace (a container sharing DIR) is skipped, saying so. " +
            "Exit status: 0 done (also when nothing was found), 1 something could not be removed or a directory " +
            "could not be read, 2 bad command line.")
        {
            dryRun,
            orphans,
            minIdle,
            directories,
        };
        command.SetAction(result => Run(stdout, stderr, result.GetValue(directories) ?? [], new BusGarbageOptions
        {
            DryRun = result.GetValue(dryRun),
            Orphans = result.GetValue(orphans),
            MinimumIdle = result.GetValue(minIdle),
        }));
        return command;
    }

    public static int Run(TextWriter stdout, TextWriter stderr, string[] directories, BusGarbageOptions options)
    {
        // A directory given must exist (a typo must not make every object look like an orphan);
        // the default one need not (no bus was ever created there).
        foreach (string directory in directories.Where(d => !Directory.Exists(d)))
        {
            CliErrors.Write(stderr, directory, "no such directory; nothing was removed");
            return ExitCodes.Failure;
        }
        string[] scanned = directories.Length == 0 ? [Bus.DefaultDirectory] : directories;
        IReadOnlyList<BusGarbage> found;
        bool ok = true;
        try
        {
            // An unreadable directory stops it before any orphan is judged.
            found = Bus.CollectGarbage(scanned.Where(Directory.Exists), options);
        }
        catch (Exception e)
        {
            return CliErrors.Report(stderr, null, e);
        }
        foreach (BusGarbage item in found)
        {
            if (item.Kind == BusGarbageKind.OtherNamespace)
            {
                stdout.WriteLine($"skipped {item.Path}: made in another IPC namespace, so never stale from here");
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
        BusGarbageKind.StaleKeyFile => $"stale key file {item.Path}",
        BusGarbageKind.AbandonedPrivateBus => $"abandoned bus {item.Path} (its 'bus run' is gone)",
        BusGarbageKind.OrphanSemaphoreArray => $"orphan semaphore array {item.Id} (key {item.Key})",
        _ => $"orphan shared memory segment {item.Id} (key {item.Key})",
    };
}
