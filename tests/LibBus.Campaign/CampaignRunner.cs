using System.Diagnostics;
using System.Globalization;

namespace LibBus.Campaign;

/// <summary>The figures of a finished campaign.</summary>
public sealed class CampaignSummary(IReadOnlyList<TrialResult> trials, TimeSpan elapsed, int seed)
{
    public IReadOnlyList<TrialResult> Trials { get; } = trials;
    public TimeSpan Elapsed { get; } = elapsed;
    public int Seed { get; } = seed;
    public int Violations => Trials.Sum(t => t.Violations);
    public int Hangs => Trials.Count(t => t.Hang);

    /// <summary>The summary table: one row per scenario and a total.</summary>
    public string Table()
    {
        var w = new StringWriter(CultureInfo.InvariantCulture);
        string Row(string name, IReadOnlyCollection<TrialResult> ts) => string.Format(CultureInfo.InvariantCulture,
            "{0,-17}{1,7}{2,7}{3,9}{4,11}{5,6}{6,6}{7,6}{8,6}{9,6}{10,6}",
            name, ts.Count, ts.Sum(t => t.Faults), ts.Sum(t => t.Messages), ts.Sum(t => t.Deliveries),
            ts.Count(t => t.Hang), ts.Sum(t => t.Lost), ts.Sum(t => t.Duplicated), ts.Sum(t => t.OrderViolations),
            ts.Sum(t => t.Leaks), ts.Sum(t => t.Other));
        w.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0,-17}{1,7}{2,7}{3,9}{4,11}{5,6}{6,6}{7,6}{8,6}{9,6}{10,6}",
            "scenario", "trials", "faults", "messages", "deliveries", "hangs", "lost", "dup", "order", "leaks", "other"));
        foreach (var group in Trials.GroupBy(t => t.Scenario).OrderBy(g => Scenarios.All.ToList().IndexOf(g.Key)))
            w.WriteLine(Row(group.Key, group.ToList()));
        w.WriteLine(Row("total", Trials));
        w.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0} trials, seeds {1}..{2}, {3:0.0} s ({4:0.00} s per trial), {5} violation(s)",
            Trials.Count, Seed, Seed + Trials.Count - 1, Elapsed.TotalSeconds, Elapsed.TotalSeconds / Math.Max(1, Trials.Count), Violations));
        return w.ToString();
    }

    /// <summary>The failed trials, each with its replay command and what it broke.</summary>
    public string Failures()
    {
        var w = new StringWriter(CultureInfo.InvariantCulture);
        foreach (TrialResult t in Trials.Where(t => t.Violations > 0))
        {
            w.WriteLine($"trial {t.Index} ({t.Scenario}, {t.Parameters}): {t.Violations} violation(s); replay: --seed {t.Seed} --trials 1");
            foreach (string d in t.Details) w.WriteLine("  " + d);
        }
        return w.ToString();
    }
}

/// <summary>Runs the trials one after another and prints the table.</summary>
public static class CampaignRunner
{
    /// <param name="options">What to run.</param>
    /// <param name="log">Progress lines, failures, and the table at the end.</param>
    /// <param name="cancellationToken">Stops between trials (the trial in progress ends first).</param>
    public static CampaignSummary Run(CampaignOptions options, TextWriter log, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var results = new List<TrialResult>();
        log.WriteLine($"LibBus campaign: {options.Trials} trial(s) from seed {options.Seed}, scenarios {string.Join(", ", options.Scenarios)}, bus command {options.BusCli}");
        for (int i = 0; i < options.Trials && !cancellationToken.IsCancellationRequested; i++)
        {
            int seed = unchecked(options.Seed + i);
            string scenario = options.Scenarios[(int)((uint)seed % (uint)options.Scenarios.Count)];
            TrialResult r = new Trial(options, i, seed, scenario).Run();
            results.Add(r);
            if (options.Verbose || r.Violations > 0)
            {
                log.WriteLine($"trial {i} seed {seed} {scenario}: {(r.Violations == 0 ? "ok" : $"{r.Violations} VIOLATION(S)")} in {r.Elapsed.TotalMilliseconds:0} ms; {r.Parameters}; {r.Messages} messages, {r.Deliveries} deliveries");
                foreach (string d in r.Details) log.WriteLine("  " + d);
            }
            else if ((i + 1) % 50 == 0)
            {
                log.WriteLine($"{i + 1} trials, {results.Sum(t => t.Violations)} violation(s), {clock.Elapsed.TotalSeconds:0} s");
            }
            log.Flush();
        }
        var summary = new CampaignSummary(results, clock.Elapsed, options.Seed);
        log.WriteLine();
        log.Write(summary.Table());
        if (summary.Violations > 0)
        {
            log.WriteLine();
            log.Write(summary.Failures());
        }
        log.Flush();
        return summary;
    }
}
