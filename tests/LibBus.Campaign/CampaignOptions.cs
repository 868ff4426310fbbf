namespace LibBus.Campaign;

/// <summary>The scenarios a trial can run, in the order trials cycle through them.</summary>
public static class Scenarios
{
    public const string Churn = "churn";
    public const string KillListener = "kill-listener";
    public const string KillBroadcaster = "kill-broadcaster";
    public const string StopListener = "stop-listener";
    public const string RemoveCli = "remove-cli";
    public const string RemoveIpcrm = "remove-ipcrm";
    public const string KeyFileDeleted = "keyfile-deleted";
    public const string KeyFileReplaced = "keyfile-replaced";

    public static readonly IReadOnlyList<string> All =
        [Churn, KillListener, KillBroadcaster, StopListener, RemoveCli, RemoveIpcrm, KeyFileDeleted, KeyFileReplaced];
}

/// <summary>What a campaign runs.</summary>
public sealed class CampaignOptions
{
    public int Trials { get; init; } = 50;

    /// <summary>Trial i runs with seed Seed + i.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>The scenarios to cycle through (all by default).</summary>
    public IReadOnlyList<string> Scenarios { get; init; } = Campaign.Scenarios.All;

    /// <summary>The bus command (apphost) used for the CLI steps.</summary>
    public string BusCli { get; init; } = DefaultBusCli();

    /// <summary>One line per trial, not only for failures.</summary>
    public bool Verbose { get; init; }

    /// <summary>A hard limit per trial (the no-progress watchdog usually fires long before).</summary>
    public TimeSpan TrialLimit { get; init; } = TimeSpan.FromMinutes(2);

    public static bool TryParse(string[] args, out CampaignOptions? options, out string error)
    {
        options = null;
        error = "";
        int trials = 50, seed = Environment.TickCount & 0xFFFFFF;
        var scenarios = new List<string>();
        string? bus = null;
        bool verbose = false;
        for (int i = 0; i < args.Length; i++)
        {
            string? Value() => i + 1 < args.Length ? args[++i] : null;
            switch (args[i])
            {
                case "--trials" when int.TryParse(Value(), out trials) && trials > 0:
                    break;
                case "--seed" when int.TryParse(Value(), out seed):
                    break;
                case "--scenario" when Value() is { } s && Campaign.Scenarios.All.Contains(s):
                    scenarios.Add(s);
                    break;
                case "--bus" when Value() is { } b:
                    bus = Path.GetFullPath(b);
                    break;
                case "--verbose" or "-v":
                    verbose = true;
                    break;
                default:
                    error = $"bad argument '{args[i]}'";
                    return false;
            }
        }
        options = new CampaignOptions
        {
            Trials = trials,
            Seed = seed,
            Scenarios = scenarios.Count > 0 ? scenarios : Campaign.Scenarios.All,
            BusCli = bus ?? DefaultBusCli(),
            Verbose = verbose,
        };
        return true;
    }

    /// <summary>
    /// <c>$BUS_CLI</c> if set, else the newest src/BusCli/bin/{Debug,Release}/net10.0/bus
    /// above this program's directory.
    /// </summary>
    public static string DefaultBusCli()
    {
        if (Environment.GetEnvironmentVariable("BUS_CLI") is { Length: > 0 } env) return Path.GetFullPath(env);
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string bin = Path.Combine(dir.FullName, "src", "BusCli", "bin");
            if (!Directory.Exists(bin)) continue;
            string? newest = new[] { "Debug", "Release" }
                .Select(c => Path.Combine(bin, c, "net10.0", "bus"))
                .Where(File.Exists)
                .OrderByDescending(File.GetLastWriteTimeUtc)
                .FirstOrDefault();
            if (newest is not null) return newest;
        }
        return "bus";
    }
}
