using LibBus.Campaign;
using Xunit.Abstractions;

namespace LibBus.Tests;

/// <summary>
/// The CI subset of the fault campaign (tests/LibBus.Campaign; the full campaign is
/// documented in docs/RELIABILITY.md), and the invariant checker it relies on.
/// </summary>
public sealed class CampaignTests(ITestOutputHelper output)
{
    /// <summary>Fixed, so that a CI failure replays with <c>--seed (CiSeed + trial) --trials 1</c>.</summary>
    public const int CiSeed = 20_260_000;

    [Fact]
    public async Task Fifty_randomized_fault_trials_hang_lose_duplicate_reorder_and_leak_nothing()
    {
        var options = new CampaignOptions { Trials = 50, Seed = CiSeed };
        var log = new StringWriter();
        using var stop = new CancellationTokenSource();
        Task<CampaignSummary> run = Task.Factory.StartNew(() => CampaignRunner.Run(options, TextWriter.Synchronized(log), stop.Token),
            TaskCreationOptions.LongRunning);
        bool finished = true;
        try
        {
            await run.WaitAsync(TimeSpan.FromMinutes(5));
        }
        catch (TimeoutException)
        {
            finished = false;
            stop.Cancel();
            await Task.WhenAny(run, Task.Delay(options.TrialLimit + TimeSpan.FromMinutes(1)));
        }
        output.WriteLine(log.ToString());
        Assert.True(finished, $"the 50 trials did not finish within 5 minutes:\n{log}");
        CampaignSummary summary = await run;
        Assert.Equal(50, summary.Trials.Count);
        Assert.True(summary.Violations == 0, $"{summary.Table()}\n{summary.Failures()}");
        // Every scenario ran, and each injected its fault.
        foreach (string scenario in Scenarios.All)
            Assert.Contains(summary.Trials, t => t.Scenario == scenario && t.Faults > 0);
    }

    private static readonly HashSet<string> NoneUncertain = new();

    private static TrialResult Check(IReadOnlySet<string> confirmed, IReadOnlySet<string> uncertain, ListenerRecord reference, params ListenerRecord[] others)
    {
        var result = new TrialResult(0, 0, "unit");
        DeliveryCheck.Run(result, reference, others, confirmed, uncertain);
        return result;
    }

    private static ListenerRecord L(string name, bool throughout, params string[] messages) => new(name, messages, throughout);

    [Fact]
    public void The_checker_passes_a_clean_record_with_a_late_joiner_and_an_uncertain_message()
    {
        var confirmed = new HashSet<string> { "b0 0", "b1 0", "b0 1", "end" };
        var uncertain = new HashSet<string> { "b1 1" };
        TrialResult r = Check(confirmed, uncertain,
            L("ref", true, "b0 0", "b1 0", "b0 1", "end"),
            L("stable", true, "b0 0", "b1 0", "b1 1", "b0 1", "end"),
            L("late", false, "b1 0", "b0 1"));
        Assert.True(r.Violations == 0, string.Join("\n", r.Details));
    }

    [Fact]
    public void The_checker_counts_losses_duplicates_reorderings_and_strangers()
    {
        var confirmed = new HashSet<string> { "b0 0", "b0 1", "b1 0", "b1 1", "end" };
        TrialResult lost = Check(confirmed, NoneUncertain, L("ref", true, "b0 0", "b1 0", "b0 1", "b1 1", "end"),
            L("stable", true, "b0 0", "b1 0", "b1 1", "end"));
        Assert.True(lost.Lost >= 1, string.Join("\n", lost.Details));

        TrialResult gap = Check(confirmed, NoneUncertain, L("ref", true, "b0 0", "b1 0", "b0 1", "b1 1", "end"),
            L("churner", false, "b1 0", "b1 1"));
        Assert.Equal(1, gap.Lost);

        TrialResult duplicate = Check(confirmed, NoneUncertain, L("ref", true, "b0 0", "b1 0", "b0 1", "b1 1", "end"),
            L("churner", false, "b0 1", "b0 1", "b1 1"));
        Assert.True(duplicate.Duplicated == 1, string.Join("\n", duplicate.Details));

        TrialResult order = Check(confirmed, NoneUncertain, L("ref", true, "b0 0", "b1 0", "b0 1", "b1 1", "end"),
            L("stable", true, "b1 0", "b0 0", "b0 1", "b1 1", "end"));
        Assert.True(order.OrderViolations >= 1, string.Join("\n", order.Details));

        TrialResult stranger = Check(confirmed, NoneUncertain, L("ref", true, "b0 0", "b1 0", "b0 1", "b1 1", "x 0", "end"));
        Assert.Equal(1, stranger.Other);
    }

    [Fact]
    public void The_checker_finds_two_uncertain_messages_received_in_opposite_orders()
    {
        var confirmed = new HashSet<string> { "end" };
        var uncertain = new HashSet<string> { "b0 3", "b1 7" };
        TrialResult r = Check(confirmed, uncertain, L("ref", true, "end"),
            L("a", false, "b0 3", "b1 7"), L("b", false, "b1 7", "b0 3"));
        Assert.True(r.OrderViolations >= 1, string.Join("\n", r.Details));
    }
}
