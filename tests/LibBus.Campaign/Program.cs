// The LibBus fault campaign: randomized multi-process trials (churn, SIGKILL,
// SIGSTOP/SIGCONT, removal, key file replaced) with invariant checks and an IPC
// leak check per trial, and the peer roles those trials run (one process each).
//
//   LibBus.Campaign [--trials N] [--seed S] [--scenario NAME]... [--bus PATH] [--verbose]
//   LibBus.Campaign peer listen PATH KIND COUNT DELAY_MS   (KIND: listen, subscribe, poll)
//   LibBus.Campaign peer broadcast PATH ID COUNT PAUSE_MS TIMEOUT_MS
//
// Trial i runs with seed S+i; replay one with --seed S+i --trials 1.
// Exit: 0 no violation, 1 violations, 2 bad command line.
using LibBus.Campaign;

if (args.Length > 0 && args[0] == "peer")
    return CampaignPeer.Run(args[1..]);

if (!CampaignOptions.TryParse(args, out CampaignOptions? options, out string error))
{
    Console.Error.WriteLine($"LibBus.Campaign: {error}");
    Console.Error.WriteLine("usage: LibBus.Campaign [--trials N] [--seed S] [--scenario NAME]... [--bus PATH] [--verbose]");
    Console.Error.WriteLine($"scenarios: {string.Join(", ", Scenarios.All)}");
    return 2;
}
// Ctrl-C or SIGTERM: finish the trial in progress (it cleans up its processes and bus), then print the table.
using var stop = new CancellationTokenSource();
void Stop(System.Runtime.InteropServices.PosixSignalContext context)
{
    context.Cancel = true;
    stop.Cancel();
}
using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, Stop);
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, Stop);
CampaignSummary summary = CampaignRunner.Run(options!, Console.Out, stop.Token);
if (summary.Trials.Count < options!.Trials) Console.Out.WriteLine($"stopped after {summary.Trials.Count} of {options.Trials} trials");
return summary.Violations == 0 ? 0 : 1;
