using System.Globalization;
using System.Text;
using System.Text.Json;

namespace LibBus.Harness;

/// <summary>Writes docs/PERFORMANCE.md (and the plot's data file) from bench/results/.</summary>
/// <remarks>
/// Every input may be missing or from an older run-all.sh (fewer files or columns): what cannot be
/// read shows as "–" (or "?"), never as an exception.
/// </remarks>
internal static class Report
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private static readonly int[] Sizes = [0, 1, 2, 4, 8, 16];
    private static readonly int[] OneCpuSizes = [1, 4, 16];
    private const double FloorTarget = 0.9; // spread: LibBus ÷ ping-pong floor at L = 1

    private static readonly Dictionary<string, string> Names = new()
    {
        ["libbus"] = "LibBus", ["libbus-aot"] = "LibBus (Native AOT)", ["c"] = "C doing the same semaphore steps", ["dbus"] = "D-Bus signal+ack",
    };

    /// <summary>The implementations as the summary and memory tables name them, in their order.</summary>
    private static readonly Dictionary<string, string> Labels = new()
    {
        ["libbus"] = "LibBus (JIT)", ["libbus-aot"] = "LibBus (Native AOT)", ["c"] = "C baseline (same steps)", ["dbus"] = "D-Bus signal+ack",
    };

    /// <summary>A markdown table column: header, cell for a row, right-aligned unless <paramref name="Left"/>.</summary>
    private sealed record Col<T>(string Header, Func<T, string> Cell, bool Left = false);

    /// <summary>
    /// One placement's throughput runs (one CSV of <c>harness run</c>) and its ping-pong floor: the
    /// faster of the C# and C ping-pong medians, the most round trips/s any process pair made in it.
    /// </summary>
    private sealed class Runs(string placement, string brief, List<Dictionary<string, string>> rows, double floorCs, double floorC)
    {
        internal string Placement => placement;
        internal string Brief => brief;
        internal List<Dictionary<string, string>> Rows => rows;
        internal double FloorCs => floorCs;
        internal double FloorC => floorC;
        internal double Floor => new[] { floorCs, floorC }.Where(f => !double.IsNaN(f)).DefaultIfEmpty(double.NaN).Max();

        internal Dictionary<string, string>? Row(string impl, int l, int b = 1) => rows.LastOrDefault(r =>
            r.GetValueOrDefault("impl") == impl && r.GetValueOrDefault("listeners") == $"{l}" && r.GetValueOrDefault("broadcasters", "1") == $"{b}");

        private Dictionary<string, string>? Ok(string impl, int l) => Row(impl, l) is { } r && r.GetValueOrDefault("status") == "ok" ? r : null;

        internal double Rate(string impl, int l) => D(Ok(impl, l)?.GetValueOrDefault("msgs_per_s"));

        /// <summary>msg/s, or the run's status in bold if it did not end well, or "–" if not run.</summary>
        internal string RateCell(string impl, int l) => Row(impl, l) is not { } r ? "–"
            : r.GetValueOrDefault("status") == "ok" ? N0(D(r.GetValueOrDefault("msgs_per_s"))) : $"**{r.GetValueOrDefault("status", "?")}**";

        internal string Us(string impl, int l, string column) => Ok(impl, l) is { } r ? F1(D(r.GetValueOrDefault(column))) : "–";

        /// <summary>"min–max" of the repeated runs' msg/s, from <c>detail</c> ("verified; median of 3: a b c").</summary>
        internal string Range(string impl, int l) => Report.Range(Repeats(Ok(impl, l)));

        internal double Ratio(string impl, string to, int l) => Rate(impl, l) / Rate(to, l);
        internal double ToFloor(string impl, int l) => l == 0 ? double.NaN : Rate(impl, l) / Floor;
    }

    internal static int Run(Options o)
    {
        string dir = o.Get("results");
        string Read(string name) => File.Exists(Path.Combine(dir, name)) ? File.ReadAllText(Path.Combine(dir, name)) : "";
        string[] Lines(string name) => Read(name).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var md = new StringBuilder();
        void L(string line = "") => md.Append(line).Append('\n');
        void Table<T>(IEnumerable<T> rows, params Col<T>[] cols)
        {
            L("| " + string.Join(" | ", cols.Select(c => c.Header)) + " |");
            L("|" + string.Join("|", cols.Select(c => c.Left ? "---" : "---:")) + "|");
            foreach (T row in rows) L("| " + string.Join(" | ", cols.Select(c => c.Cell(row))) + " |");
        }
        void Target(string what, string measured, bool met) => L($"| {what} | {measured} | {(met ? "met" : "**not met**")} |");

        // ---- inputs ----
        string machine = Read("machine.txt").Trim();
        double PingMedian(string file, bool csharp) => Median(Lines(file).Select(Fields)
            .Where(p => p.ContainsKey("impl") == csharp).Select(p => D(p.GetValueOrDefault("round_trips_per_s"))));
        var spread = new Runs("spread by the scheduler", "spread", Csv(Read("throughput.csv")), PingMedian("pingpong.txt", true), PingMedian("pingpong.txt", false));
        var oneCpu = new Runs("all on one CPU", "one CPU", Csv(Read("throughput-one-cpu.csv")),
            PingMedian("pingpong-one-cpu.txt", true), PingMedian("pingpong-one-cpu.txt", false));
        Runs[] placements = [spread, oneCpu];
        List<Dictionary<string, string>> sys = Csv(Read("syscalls.csv"));

        var cli = new Dictionary<string, (double Median, double Mean, double Sd, double Min)>();
        if (Read("cli.json") is { Length: > 0 } json)
            foreach (JsonElement r in JsonDocument.Parse(json).RootElement.GetProperty("results").EnumerateArray())
                cli[r.GetProperty("command").GetString()!] = (r.GetProperty("median").GetDouble() * 1e3, r.GetProperty("mean").GetDouble() * 1e3,
                    r.GetProperty("stddev").GetDouble() * 1e3, r.GetProperty("min").GetDouble() * 1e3);
        double Cli(string name) => cli.TryGetValue(name, out var c) ? c.Median : double.NaN;
        Dictionary<string, string> idle = Fields(Read("idle-rss.txt").Trim());
        // harness async: one ASYNC line per mode (sync, await, window), spread and on one CPU.
        Dictionary<string, string>? Async(string file, string mode) => Lines(file).Select(Fields).LastOrDefault(f => f.GetValueOrDefault("mode") == mode);
        (string File, string Placement)[] asyncRuns = [("async.txt", spread.Placement), ("async-one-cpu.txt", oneCpu.Placement)];

        // ---- targets ----
        // The names are those run-all.sh gives hyperfine (-n).
        double busCli = Cli("bus broadcast (Native AOT)"), helloAot = Cli("hello (Native AOT)"), dbusSend = Cli("dbus-send --type=signal");
        double busDefault = Cli("bus broadcast (Native AOT, default settings)"), helloDefault = Cli("hello (Native AOT, default settings)");
        Dictionary<string, string> faults = Lines("page-faults.tsv").Select(line => line.Split('\t')).Where(f => f.Length == 2)
            .GroupBy(f => f[0]).ToDictionary(g => g.Key, g => g.Last()[1]);
        string Faults(string name) => faults.GetValueOrDefault(name, "?");
        double Sys(int l, string role, string column) => D(sys.LastOrDefault(s => s.GetValueOrDefault("impl") == "libbus"
            && s.GetValueOrDefault("listeners") == $"{l}" && s.GetValueOrDefault("role") == role)?.GetValueOrDefault(column));
        // The protocol's steps are the semop calls (semtimedop on x86-64), and for the broadcaster the publish's
        // SETVAL; every other semctl is a read of the mixed-bus watch (or of a shield, on a bus with C listeners).
        double Steps(int l, string role) => Sys(l, role, "semop_per_msg") + Sys(l, role, "semtimedop_per_msg") + (role == "broadcaster" ? 1 : 0);
        double Reads(int l, string role) => Sys(l, role, "semctl_per_msg") - (role == "broadcaster" ? 1 : 0);
        int[] sysSizes = [.. Sizes.Where(l => !double.IsNaN(Steps(l, "broadcaster")))];
        double allocMax = placements.SelectMany(p => p.Rows).Where(r => r.GetValueOrDefault("impl", "").StartsWith("libbus", StringComparison.Ordinal)
            && r.GetValueOrDefault("status") == "ok").Select(r => D(r.GetValueOrDefault("alloc_bytes_per_msg"))).DefaultIfEmpty(double.NaN).Max();
        double rssMib = D(idle.GetValueOrDefault("rss_kib")) / 1024;
        List<Dictionary<string, string>> all = [.. placements.SelectMany(p => p.Rows)];
        int hangs = all.Count(r => r.GetValueOrDefault("status") == "hang"), fails = all.Count(r => r.GetValueOrDefault("status") == "fail");
        int expectedRuns = Sizes.Length * 3 + 2 + OneCpuSizes.Length + OneCpuSizes.Length * 4; // + libbus-aot at L = 1, 4, 16

        L("# LibBus performance");
        L();
        L("<!-- Generated by bench/run-all.sh (bench/LibBus.Harness/Report.cs). Do not edit by hand: re-run it. -->");
        L();

        L("## What users should expect");
        L();
        L("One broadcaster and L listener processes, every message acknowledged by every listener before the broadcast");
        L("returns. Two placements, both from the same run: **idle machine** = the processes spread over the CPUs by the");
        L("scheduler (a process blocked on another, idle vCPU is slow to wake on this VM); **busy machine** = every process of");
        L("a run on one CPU (what a loaded machine or a one-core container gives: a wake-up is a context switch). Each msg/s");
        L("is the median of 3 runs, with the slowest and fastest of the 3 next to it; p50 is the median broadcast latency.");
        L();
        Table(placements.SelectMany(p => Labels.Keys.Select(impl => (P: p, Impl: impl))),
            new Col<(Runs P, string Impl)>("machine (placement)", r => r.P == spread ? "idle (spread)" : "busy (one CPU)", Left: true),
            new("implementation", r => Labels[r.Impl], Left: true),
            new("L = 1 msg/s", r => r.P.RateCell(r.Impl, 1)), new("min–max", r => r.P.Range(r.Impl, 1)), new("p50 µs", r => r.P.Us(r.Impl, 1, "p50_us")),
            new("L = 16 msg/s", r => r.P.RateCell(r.Impl, 16)), new("min–max", r => r.P.Range(r.Impl, 16)), new("p50 µs", r => r.P.Us(r.Impl, 16, "p50_us")),
            new("÷ D-Bus, L = 1 / 16", r => r.Impl == "dbus" ? "–" : $"{X(r.P.Ratio(r.Impl, "dbus", 1))} / {X(r.P.Ratio(r.Impl, "dbus", 16))}"));
        L();
        L("Absolute figures vary from run to run (see min–max) and far more from machine to machine, and the same machine");
        L("gives figures several times apart depending on where the scheduler puts the processes. The ratios measured in one");
        L("run, LibBus against C doing the same semaphore steps, against D-Bus, and against the ping-pong floor, are the point.");
        L();

        L("Every figure below comes from **one run** of `bench/run-all.sh` on the machine described under");
        L("[Machine](#machine), so the ratios compare things measured minutes apart under the same conditions.");
        L("That machine (a 2-core VM) may be shared with other jobs, so the load average at the start and end of the run");
        L("is recorded below.");
        L();
        L("Re-run everything (installs missing Debian packages when root, builds in Release, about 15 minutes; see");
        L("`bench/README.md` for the result files and the profiling commands):");
        L();
        L("```sh");
        L("bench/run-all.sh");
        L("```");
        L();

        L("## Targets");
        L();
        L("| target | measured | |");
        L("|---|---|---|");
        void Ratio(Runs p, string us, string them, int l, double target)
        {
            double ours = p.Rate(us, l), theirs = p.Rate(them, l);
            Target($"{Names[us]} ≥ {(target == 1 ? "" : $"{target.ToString("0.#", Inv)}× ")}{Names[them]} at L = {l}, {p.Placement}",
                $"{X(ours / theirs)} ({N0(ours)} vs {N0(theirs)} msg/s)", ours / theirs >= target);
        }
        // Each throughput target twice: processes where the scheduler puts them, and every process on one CPU.
        foreach (Runs p in placements)
        {
            Ratio(p, "libbus", "dbus", 1, 5);
            Ratio(p, "libbus", "dbus", 4, 3);
            Ratio(p, "libbus", "dbus", 16, 3);
            Ratio(p, "libbus", "c", 1, 1);
            Ratio(p, "libbus-aot", "c", 1, 1);
            foreach (int l in OneCpuSizes)
            {
                Ratio(p, "libbus-aot", "c", l, 0.9);
                Ratio(p, "libbus", "c", l, 0.8);
            }
        }
        foreach (string us in (string[])["libbus", "libbus-aot"])
        {
            double toFloor = spread.ToFloor(us, 1);
            Target($"{Names[us]} at the floor, spread: ≥ {FloorTarget:0.0}× the ping-pong floor at L = 1",
                $"{X(toFloor)} ({N0(spread.Rate(us, 1))} msg/s vs {N0(spread.Floor)} round trips/s)", toFloor >= FloorTarget);
        }
        foreach ((string file, string placement) in asyncRuns)
        {
            if (Async(file, "sync") is not { } sync) continue;
            double s = D(sync.GetValueOrDefault("msg_per_s"));
            foreach ((string mode, string how) in (ReadOnlySpan<(string, string)>)[("await", "each awaited before the next"), ("window", "calls in flight")])
            {
                if (Async(file, mode) is not { } a) continue;
                double r = D(a.GetValueOrDefault("msg_per_s"));
                string what = mode == "window" ? $"{a.GetValueOrDefault("window", "?")} {how}" : how;
                Target($"BroadcastAsync ≥ 0.8× Broadcast at L = 1 ({what}), {placement}", $"{X(r / s)} ({N0(r)} vs {N0(s)} msg/s)", r / s >= 0.8);
            }
        }
        Target("`bus broadcast` wall ≤ 1.3× Native AOT hello",
            $"{X(busCli / helloAot)} ({busCli:0.00} vs {helloAot:0.00} ms, medians, same start-up options); " +
            $"{X(busCli / helloDefault)} against a hello with default settings ({helloDefault:0.00} ms)", busCli <= 1.3 * helloAot && busCli <= 1.3 * helloDefault);
        Target("`bus broadcast` wall < `dbus-send --type=signal`", $"{busCli:0.00} vs {dbusSend:0.00} ms (medians)", busCli < dbusSend);
        void Budget(string role, int steps, int reads, string what)
        {
            string measured = string.Join("; ", sysSizes.Select(l => $"L = {l}: {F3(Steps(l, role))} + {F3(Reads(l, role))}"));
            bool met = sysSizes.Length > 0 && sysSizes.All(l => Math.Round(Steps(l, role), 2) <= steps && Math.Round(Reads(l, role), 2) <= reads);
            Target($"{role}: {what} + at most {reads} read{(reads == 1 ? "" : "s")} per message (one look), under strace",
                measured.Length == 0 ? "–" : measured, met);
        }
        Budget("broadcaster", 4, 2, "4 semaphore calls per message (3 semop + SETVAL)");
        Budget("listener", 3, 2, "3 semaphore calls per message");
        Target("no allocation per message on the broadcast path", $"{F2(allocMax)} B/message (largest over all LibBus runs)", allocMax == 0);
        Target("`bus listen` idle resident memory ≤ 20 MiB", $"{F1(rssMib)} MiB", rssMib <= 20);
        Target("zero hangs", $"{hangs} hang(s), {fails} failure(s) in {all.Count} configurations (of {expectedRuns} planned), every one run 3×",
            hangs == 0 && fails == 0 && all.Count >= expectedRuns);
        L();
        L("\"Spread by the scheduler\" is how programs normally run; \"all on one CPU\" pins every process of a run, the");
        L("dbus-daemon included, to CPU 0 (see [Every process on one CPU](#every-process-on-one-cpu)). \"The floor\" is the");
        L("faster of the C# and C semaphore ping-pongs in the same placement (see [The floor](#the-floor-semaphore-ping-pong));");
        L($"LibBus is \"at the floor\" at {FloorTarget:0.0}× of it or more, the rest being the run-to-run spread and the");
        L("delivery's own work. The syscall counts are `strace -f -c` counts (see [Syscall budget](#syscall-budget)), as");
        L("\"protocol steps + reads\".");
        L();
        double ceil1 = spread.Floor / spread.Rate("dbus", 1), ceil4 = spread.Floor / spread.Rate("dbus", 4);
        if (ceil1 < 5 || ceil4 < 3)
        {
            L($"**The ceiling in this run, spread.** A synchronous broadcast takes at least one semaphore round trip (the");
            L("broadcaster's wait cannot end before a listener's acknowledgement wakes it, and the listener cannot");
            L("acknowledge before the broadcaster's publication wakes it), so no implementation of PROTOCOL.md, in any");
            L($"language, can deliver more messages/s from one broadcaster to its listeners than the ping-pong floor: {N0(spread.Floor)} round trips/s");
            L($"here with the processes spread. That is {X(ceil1)} D-Bus at L = 1 and");
            L($"{X(ceil4)} at L = 4, so a target above those ratios is out of reach in that placement on this machine in this run,");
            L("whatever the code does.");
            L();
        }

        // One placement's throughput table: LibBus (JIT), C and D-Bus, each msg/s with the spread of its 3 runs.
        void ThroughputTable(Runs p, int[] sizes)
        {
            Col<int>[] Impl(string impl, string label, bool p99) =>
            [
                new($"{label} msg/s", l => p.RateCell(impl, l)), new("min–max", l => p.Range(impl, l)), new("p50 µs", l => p.Us(impl, l, "p50_us")),
                .. p99 ? [new Col<int>("p99 µs", l => p.Us(impl, l, "p99_us"))] : Array.Empty<Col<int>>(),
            ];
            Table(sizes, [new("L", l => $"{l}"), .. Impl("libbus", "LibBus", true), .. Impl("c", "C baseline", false), .. Impl("dbus", "D-Bus", true),
                new("LibBus ÷ D-Bus", l => X(p.Ratio("libbus", "dbus", l))), new("LibBus ÷ C", l => X(p.Ratio("libbus", "c", l))),
                new("LibBus ÷ floor", l => X(p.ToFloor("libbus", l))), new("C ÷ floor", l => X(p.ToFloor("c", l)))]);
        }
        // Every configuration as measured, with the CSV's own figures.
        void RawTable(Runs p)
        {
            string[] columns = ["impl", "listeners", "broadcasters", "messages", "status", "msgs_per_s", "p50_us", "p99_us", "alloc_bytes_per_msg", "detail"];
            string[] headers = ["impl", "L", "B", "N", "status", "msg/s", "p50 µs", "p99 µs", "B allocated/msg", "detail"];
            Table(p.Rows, [.. columns.Select((c, i) => new Col<Dictionary<string, string>>(headers[i], r => r.GetValueOrDefault(c, "–"),
                Left: c is "impl" or "status" or "detail"))]);
        }

        L("## Throughput and latency");
        L();
        L("One broadcaster process, L listener processes, each message acknowledged by every listener before the");
        L("broadcast returns (for D-Bus: a signal fanned out by `dbus-daemon`, each subscriber answering with a");
        L("no-reply method call to the sender, the broadcaster waiting for all L answers). Every listener checks that");
        L("it got every message, in order. p50/p99 are per-broadcast latencies seen by the broadcaster. Processes spread");
        L("by the scheduler; msg/s is the median of 3 runs, min–max the slowest and fastest of them; \"÷ floor\" divides");
        L($"by this placement's ping-pong floor ({N0(spread.Floor)} round trips/s).");
        L();
        ThroughputTable(spread, Sizes);
        L();
        L("![messages/s against listener count, LibBus (JIT and Native AOT) vs the C baseline vs D-Bus, spread and on one CPU](perf-throughput.png)");
        L();
        L("At L = 0 nobody acknowledges: LibBus and C still take and release the bus (4 semaphore calls), D-Bus only");
        L("writes the signal to the daemon's socket, with no flow control, so its L = 0 figure is not a delivery rate (and");
        L("the plot leaves it out).");
        L();
        L("Several broadcaster processes at once (messages/s over all of them; latency: median p50 and worst p99):");
        L();
        Table(spread.Rows.Where(r => r.GetValueOrDefault("impl") == "libbus" && r.GetValueOrDefault("broadcasters", "1") != "1"),
            new Col<Dictionary<string, string>>("broadcasters", r => r.GetValueOrDefault("broadcasters", "–")), new("L", r => r.GetValueOrDefault("listeners", "–")),
            new("messages each", r => r.GetValueOrDefault("messages", "–")), new("LibBus msg/s", r => N0(D(r.GetValueOrDefault("msgs_per_s")))),
            new("min–max", r => Range(Repeats(r))), new("p50 µs", r => F1(D(r.GetValueOrDefault("p50_us")))),
            new("p99 µs", r => F1(D(r.GetValueOrDefault("p99_us")))), new("status", r => r.GetValueOrDefault("status", "–"), Left: true));
        L();
        L("Every configuration as measured (`bench/results/throughput.csv`; the three runs' msg/s are in `detail`):");
        L();
        RawTable(spread);
        L();

        L("## The floor: semaphore ping-pong");
        L();
        L("Two processes bounce a token over a private 2-semaphore array (`V(a); P(b)` against `P(a); V(b)`),");
        L("one round trip being the least any \"send, then wait until the other side has it\" scheme must do.");
        L($"Median of 3 runs of 100,000 round trips: **{N0(spread.FloorCs)} round trips/s** from the C# harness");
        L($"(`harness pingpong`), {N0(spread.FloorC)} from C (`cbaseline pingpong`). The \"÷ floor\" columns divide by the");
        L("faster of the two.");
        L();
        L("Both the ping-pong and a bus delivery are bound by how fast the kernel wakes a process blocked in a");
        L("semaphore wait on the other vCPU, which on this virtual machine is slow when that vCPU is idle. The next");
        L("sections repeat the runs with every process on one CPU, where that cost is gone.");
        L();
        L("## BroadcastAsync");
        L();
        L("`harness async`: one process broadcasts to one listener process (L = 1) on one bus handle, with `Broadcast` in a");
        L("loop (`sync`), awaiting each `BroadcastAsync` before the next (`await`), and keeping up to 64 `BroadcastAsync`");
        L("calls in flight (`window`), alternated over 5 rounds, each to a fresh listener; median msg/s.");
        L();
        L("| placement | mode | msg/s | ÷ sync | load average | runs |");
        L("|---|---|---:|---:|---:|---|");
        foreach ((string file, string placement) in asyncRuns)
        {
            double baseline = D(Async(file, "sync")?.GetValueOrDefault("msg_per_s"));
            foreach (string mode in (string[])["sync", "await", "window"])
                if (Async(file, mode) is { } a)
                    L($"| {placement} | {mode} | {N0(D(a.GetValueOrDefault("msg_per_s")))} | {X(D(a.GetValueOrDefault("msg_per_s")) / baseline)} | " +
                      $"{a.GetValueOrDefault("loadavg", "?")} | {a.GetValueOrDefault("runs", "?")} |");
        }
        L();
        L("A call made while nothing is queued or being sent runs on the calling thread: a few no-wait tries (spinning,");
        L("then yielding the CPU) and at most 1 ms of timed wait for each of the bus and the acknowledgements. Delivered by");
        L("then, it returns a completed task with no hand-off and no allocation. Otherwise the rest goes to the one");
        L("broadcasting thread per `Bus`, in call order, and the caller's continuation runs on the thread pool, never on that");
        L("thread, so no caller's code can stall the queue or deadlock it by waiting there for a later call. A producer that");
        L("keeps calls in flight is served by that thread, which looks for the next call briefly before it sleeps.");
        L();

        L("## Every process on one CPU");
        L();
        L("The same runs with every process (harness, broadcaster, listeners, and the dbus-daemon's threads) pinned to");
        L("CPU 0 with `taskset`. A wake-up is then a context switch on the same CPU rather than a wake-up of the other");
        L("vCPU, which is what a round trip mostly costs on this VM when the processes are spread. Ping-pong on one CPU:");
        L($"**{N0(oneCpu.FloorCs)} round trips/s** from C#, {N0(oneCpu.FloorC)} from C (median of 3), against {N0(spread.FloorCs)} and {N0(spread.FloorC)} spread.");
        L("Here every delivery costs CPU time on the one CPU, so msg/s measures the CPU each implementation spends per message.");
        L();
        ThroughputTable(oneCpu, OneCpuSizes);
        L();
        L("Every one-CPU configuration as measured (`bench/results/throughput-one-cpu.csv`):");
        L();
        RawTable(oneCpu);
        L();

        L("## LibBus under the JIT and as Native AOT");
        L();
        L("The LibBus rows above run the harness's listener and broadcaster roles under the JIT (`dotnet build`, tiered");
        L("compilation; the hot path is marked `AggressiveOptimization`, so it runs fully optimized from its first call).");
        L("`--impl libbus-aot` runs the same roles from a Native AOT publish of the harness with default settings, as a");
        L("program using LibBus and published AOT would (the `bus` command is one). Each msg/s is the median of 3 runs.");
        L();
        L("The JIT figures are steady state. A JIT program pays for tiered compilation in its first seconds, and with many");
        L("JIT processes on one CPU that takes long: with 16 listeners and a broadcaster on one CPU, warm-ups of 12,000");
        L("messages (about 1.3 s) left some runs at about 0.55× C (p99 1.2–1.9 ms), 40,000 (about 4.5 s) none. Where");
        L("many short-lived listeners share a busy CPU, publish them Native AOT.");
        L();
        Table(placements.SelectMany(p => OneCpuSizes.Select(l => (P: p, L: l))),
            [new Col<(Runs P, int L)>("placement", r => r.P.Brief, Left: true), new("L", r => $"{r.L}"),
             .. ((string[])["libbus", "libbus-aot", "c"]).SelectMany(impl => new Col<(Runs P, int L)>[]
             {
                 new($"{(impl == "c" ? "C" : impl == "libbus" ? "JIT" : "AOT")} msg/s", r => r.P.RateCell(impl, r.L)), new("min–max", r => r.P.Range(impl, r.L)),
             }),
             new("JIT ÷ C", r => X(r.P.Ratio("libbus", "c", r.L))), new("AOT ÷ C", r => X(r.P.Ratio("libbus-aot", "c", r.L))),
             new("JIT ÷ floor", r => X(r.P.ToFloor("libbus", r.L))), new("AOT ÷ floor", r => X(r.P.ToFloor("libbus-aot", r.L))),
             new("C ÷ floor", r => X(r.P.ToFloor("c", r.L)))]);
        L();

        L("## Syscall budget");
        L();
        L("`strace -f -c` on every child process of a run with N1 = 1,000 and N2 = 5,000 timed messages; the table");
        L("divides the difference in calls by N2 − N1, so start-up, joining and warm-up cancel out. glibc's `semop()`");
        L("is the `semtimedop` system call on x86-64, so both are counted. \"All\" is every system call of the process.");
        L();
        Table(sys, new Col<Dictionary<string, string>>("impl", r => r.GetValueOrDefault("impl", "–"), Left: true),
            new("L", r => r.GetValueOrDefault("listeners", "–")), new("role", r => r.GetValueOrDefault("role", "–"), Left: true),
            new("semop + semtimedop + semctl per msg", r => r.GetValueOrDefault("sem_per_msg", "–")),
            new("semctl", r => r.GetValueOrDefault("semctl_per_msg", "–")), new("all syscalls per msg", r => r.GetValueOrDefault("all_per_msg", "–")));
        L();
        L("PROTOCOL.md's hardened algorithm needs 4 semaphore calls per message for the broadcaster (3 `semop` and the");
        L("publish's `SETVAL`) and 3 per listener; the C library (reference algorithm) makes 7 and 8. The C baseline");
        L("implements the protocol's steps only. LibBus adds non-blocking `semctl` reads that tell whether C listeners");
        L("share the bus and need shielding, and on a bus of LibBus listeners it takes them at most once per ms:");
        L();
        L("- the broadcaster looks at most once per ms: `GETZCNT` of Q before the publish and `GETVAL` of W after it (2");
        L("  reads); W below the sleepers counted before means a C listener. Once a look sees one, it looks at and shields");
        L("  every message until 1 s after the last sighting;");
        L("- a listener looks the same way around its own wait, at most once per ms (once per W/2 ms beside more than 2");
        L("  other listeners, so the listeners of a bus look about twice per ms together): `GETZCNT` of Q before it and one");
        L("  `GETALL` (S and W) after it. W short of the sleepers counted before (less itself) means a C listener, as for");
        L("  the broadcaster; S > W (a counted listener without W: a C listener in its callback, or a LibBus listener that a");
        L("  busy CPU kept from its wait) is only a hint that makes it look at the next 3 messages too.");
        L();
        L("So the budget is 4 calls per message and at most one look (2 reads) per ms for the broadcaster, 3 per message and");
        L("at most one look (2 reads) per ms, 4 while hints last, for a listener, and more only on a bus where C listeners");
        L("were seen. Under `strace` every call is slow enough that a look can fall on every message, so the table can show");
        L("up to 2 reads per message for either role; at full speed (tens of thousands of messages per second) it is a");
        L("small fraction of that. The targets check the strace counts against \"steps + at most 2 reads\".");
        L();

        L("## CLI start-up");
        L();
        L("`hyperfine -N --warmup 20 --runs 200`, no listener on the bus (a `dbus-send` signal waits for nobody either).");
        L("`bus` and the hello-world are published with the same settings (`build/NativeStartup.props`: no dehydration,");
        L("not position-independent, LibBus's libc calls bound at link time); the \"default settings\" rows are the same");
        L("two programs published without them (`-p:NativeStartupDefaults=true`), to show what they are worth.");
        L("`hello --silent` returns before touching the console: the start and exit of a .NET program that does nothing.");
        L("Other jobs on the machine put long outliers into every row (see max in `bench/results/cli.md`), so the");
        L("comparison uses the **median**; mean ± σ and min are shown for completeness.");
        L();
        L("| command | median ms | ÷ AOT hello (median) | mean ms ± σ | min ms |");
        L("|---|---:|---:|---:|---:|");
        foreach ((string name, (double median, double mean, double sd, double min)) in cli)
            L($"| {name} | {median:0.00} | {X(median / helloAot)} | {mean:0.00} ± {sd:0.00} | {min:0.00} |");
        L();

        L("## Idle memory");
        L();
        L($"`bus listen --ready PATH` (Native AOT), joined and idle for 3 s: VmRSS **{F1(rssMib)} MiB**, VmHWM " +
          $"{F1(D(idle.GetValueOrDefault("hwm_kib")) / 1024)} MiB; it left the bus and exited on SIGTERM: {idle.GetValueOrDefault("clean_exit_on_sigterm", "?")}.");
        L();

        L("## Busy memory");
        L();
        L("A `bus listen PATH > /dev/null` joined, then sent messages as fast as one `bus broadcast PATH -` delivers them");
        L("(issue 11: a busy listener must stay under 20 MiB at any rate), by `bench/listen-rss.sh BUS MESSAGES SIZE`:");
        L();
        L("| `bus` build | messages | size | rate | idle VmRSS | busy VmRSS | peak VmHWM |");
        L("|---|---:|---:|---:|---:|---:|---:|");
        string[] busy = [.. Lines("listen-rss.txt").Where(line => line.StartsWith('|'))];
        foreach (string line in busy.DefaultIfEmpty("| – | – | – | – | – | – | – |"))
            L(line);
        L();
        L("The installed (Native AOT) listener allocates nothing per message (`Bus.ListenBytes`, one buffer), so its");
        L("resident memory stays its idle memory at any rate (before issue 11 it grew to 22 MiB).");
        L("`RobustnessTests.A_busy_listener_does_not_grow` checks the growth of the `bus` under test (in `test.sh`, the Native AOT build).");
        L();

        L("## Listener processes under load");
        L();
        L("The memory of the 16 listener processes of a `harness run --listeners 16 --messages 100000` while it runs");
        L("(bench/listener-memory.sh: `/proc/PID/smaps_rollup` and the thread count of each listener, a few seconds into");
        L("the run). Rss counts every page a process maps, shared or not; Pss shares each page among the processes that map");
        L("it, so the sum of Pss over the 16 is what they cost the machine together.");
        L();
        List<Dictionary<string, string>> mem = [.. Lines("listener-memory.txt").Select(Fields).Where(f => f.ContainsKey("impl"))];
        if (mem.Count == 0) L("(not measured in this run: `bench/results/listener-memory.txt` is missing)");
        else Table(mem, new Col<Dictionary<string, string>>("listener", r => Labels.GetValueOrDefault(r["impl"], r["impl"]), Left: true),
            new("listeners read", r => r.GetValueOrDefault("listeners", "–")), new("Rss MiB (mean)", r => r.GetValueOrDefault("rss_mib", "–")),
            new("Pss MiB (mean)", r => r.GetValueOrDefault("pss_mib", "–")), new("Pss_Anon MiB (mean)", r => r.GetValueOrDefault("pss_anon_mib", "–")),
            new("threads", r => r.GetValueOrDefault("threads", "–")), new("Pss MiB, sum", r => r.GetValueOrDefault("pss_sum_mib", "–")));
        L();
        L("A JIT listener costs several times an AOT one: the runtime's own threads (tiered compilation, finalizer, signal");
        L("handling), the pages of libcoreclr, libclrjit and the ready-to-run framework it maps, the code it compiles and the");
        L("GC heap's initial commit. A Native AOT listener has its code compiled in and starts few threads; the C listener is");
        L("one thread and little more than libc. A program that runs many listeners should publish them Native AOT (as `bus`");
        L("is).");
        L();

        Dictionary<string, string> idleCalls = Fields(Lines("idle-syscalls.txt").FirstOrDefault() ?? "");
        L("## Idle system calls");
        L();
        L($"`bus listen --ready PATH` (Native AOT), joined and idle, traced over every thread with `strace -f -c` for " +
          $"{idleCalls.GetValueOrDefault("seconds", "?")} s (bench/idle-syscalls.sh): **{idleCalls.GetValueOrDefault("per_second", "?")} system calls per second**, " +
          $"{idleCalls.GetValueOrDefault("semaphore_calls", "?")} semaphore calls in all. A waiting listener sleeps in one `semop` until a message or a signal arrives.");
        L();

        L("## Micro-benchmarks (BenchmarkDotNet, short job)");
        L();
        foreach (string file in Directory.Exists(Path.Combine(dir, "bdn")) ? Directory.GetFiles(Path.Combine(dir, "bdn"), "*.md").Order().ToArray() : [])
        {
            L($"### {Path.GetFileNameWithoutExtension(file).Replace("LibBus.Benchmarks.", "").Replace("-report-github", "")}");
            L();
            foreach (string line in File.ReadLines(file).SkipWhile(line => !line.StartsWith('|')))
                L(line);
            L();
        }

        L("## Findings for the library");
        L();
        double silent = Cli("hello --silent (Native AOT): start and exit");
        L($"- **Start-up of `bus broadcast`: {busCli - silent:0.00} ms (median) above a .NET program that does nothing, {busCli - helloAot:0.00} ms above");
        L("  the hello-world.** A run of `bus broadcast` is mostly page faults, and `build/NativeStartup.props` removes");
        L("  most of those `bus` used to add:");
        L("  - ILC by default \"dehydrates\" the runtime's type data and start-up rebuilds it in an anonymous section, every");
        L("    page of which faults; `bus` (System.CommandLine, Mono.Posix, LibBus) has six times the hello-world's. Without");
        L("    dehydration the data stays in the file, and a fixed-address executable needs no relocation of it, so only the");
        L("    pages read are faulted in. The cost: the `bus` executable's own code is not address-randomized (its");
        L("    libraries, stack and heaps still are).");
        L("  - A P/Invoke bound at run time resolves its library on first call through the reflection machinery (to read the");
        L("    assembly's DllImport search path); `DirectPInvoke` of `libc.so.6` has the linker bind LibBus's calls instead.");
        L("  - The fast path (`bus broadcast PATH MESSAGE`) opens stderr only to report an error, and never builds the");
        L("    System.CommandLine tree or stdout.");
        L($"  Minor page faults (median of 21 runs): `bus broadcast` {Faults("bus broadcast (Native AOT)")}, with default settings {Faults("bus broadcast (Native AOT, default settings)")};");
        L($"  hello {Faults("hello (Native AOT)")}, with default settings {Faults("hello (Native AOT, default settings)")}. Wall time: {busDefault:0.00} → {busCli:0.00} ms for `bus`,");
        L($"  {helloDefault:0.00} → {helloAot:0.00} ms for the hello.");
        L($"- **`dbus-send` takes {dbusSend:0.00} ms, a .NET program that does nothing {silent:0.00} ms.** The latter is the .NET runtime's own");
        L("  start-up and exit (CPU feature and cgroup probing, GC heap set-up, its finalizer thread), which every .NET");
        L(busCli < dbusSend
            ? $"  executable pays before `Main` runs; `bus broadcast` does its work (key file, attach, four semaphore calls and a look for C listeners) in {busCli - silent:0.00} ms on top of it, and still finishes {dbusSend - busCli:0.00} ms before `dbus-send`."
            : $"  executable pays before `Main` runs. To beat `dbus-send`, `bus broadcast` would have to read the key file, attach, broadcast and detach in {dbusSend - silent:0.00} ms; it takes {busCli - silent:0.00} ms.");
        L("- The broadcast path meets the budget: the protocol's 4 semaphore calls per message (3 for a listener) and, on a");
        L("  bus of LibBus listeners, one look for C listeners per ms at most (2 reads each; a listener's hint adds up to 3");
        L("  looks); it looks at and shields every message only on a bus where C listeners were seen. No other system");
        L("  call per message (\"all\" column), 0 bytes allocated. `Bus.ListenBytes` (which the harness's listener uses)");
        L("  copies each message into one buffer and allocates nothing per message (tested); `Listen`, `Subscribe` and");
        L("  polling hand out a `BusMessage` per message, one array and one object.");
        L("- The hot path (broadcast, the listen loop, the protocol steps and their `semop`/`semctl` stubs) is marked");
        L("  `AggressiveOptimization`: under the JIT it runs fully optimized from the first message instead of going through");
        L("  tiered compilation's unoptimized tier and on-stack replacement.");
        L();
        L("## Machine");
        L();
        L("```");
        L(machine);
        L(Read("ipcs-check.txt").Trim());
        L("```");
        L();

        L("## How it is measured");
        L();
        L("- `bench/LibBus.Harness` (`harness run`) creates a bus in a temporary directory, starts L listener processes,");
        L("  waits until each is counted on the bus, starts B broadcaster processes, lets each send W untimed warm-up");
        L("  messages (so the JIT has reached steady state: on one CPU, 17 JIT processes need about 4 s of messages before");
        L("  tiered compilation has finished in all of them), then starts them together and times N messages each with");
        L("  `Stopwatch`. Messages are `\"<pid> <seq>\"`; each listener checks every sender's sequence and reports how many");
        L("  it got. A watchdog kills the run's processes and records `hang` if it does not finish in time; the bus is");
        L("  removed afterwards. LibBus's broadcaster uses `Broadcast(ReadOnlySpan<byte>)` with a reused buffer and");
        L("  reports `GC.GetAllocatedBytesForCurrentThread()` over the timed loop. Each configuration runs 3 times; the");
        L("  median is reported and the three figures are kept in `detail` (min–max in the tables).");
        L("- The library looks for C listeners at most once per ms on a bus of LibBus listeners (see");
        L("  [Syscall budget](#syscall-budget)), so in these runs it makes the protocol's semaphore calls and little else.");
        L("- `bench/c/cbaseline.c`: PROTOCOL.md's hardened algorithm in C, one `semop`/`semctl` per step, same line protocol.");
        L("- `bench/c/dbuspeer.c`: libdbus signal + per-subscriber acknowledgement on a private `dbus-daemon --session`.");
        L("- `bench/LibBus.Benchmarks`: BenchmarkDotNet; `bench/Hello`: the hello-world used for start-up, published both");
        L("  Native AOT and framework-dependent (JIT) with the same options as `src/BusCli`.");
        L("- Profiling (where the CPU goes per message: `perf stat`, `perf record`, `strace -c`): see `bench/README.md`.");
        L();
        L("Exact commands (as `bench/run-all.sh` runs them; `H=bench/out/artifacts/bin/LibBus.Harness/release/harness`):");
        L();
        L("```sh");
        L("harness run --impl libbus|c|dbus --listeners L --broadcasters 1 --messages N --warmup W --repeat 3 --timeout 150 \\");
        L("    --dbus-address \"$(dbus-daemon --session --fork --address unix:path=… --print-address)\"");
        L("#   L = 0 1 2 4: N = 20000, W = 20000;  L = 8: N = 10000, W = 20000 (D-Bus 10000);  L = 16: N = 5000, W = 40000 (D-Bus 12000)");
        L("harness run --impl libbus-aot --listeners 1|4|16 ... --libbus-aot bench/out/harness-aot/harness");
        L("harness run --impl libbus --listeners 4 --broadcasters 2 --messages 10000 --warmup 5000");
        L("harness run --impl libbus --listeners 16 --broadcasters 4 --messages 2500 --warmup 1500");
        L("harness pingpong --rounds 100000;  cbaseline pingpong 100000");
        L("taskset -a -p -c 0 DBUS_PID;  taskset -c 0 harness pingpong --rounds 100000;  taskset -c 0 cbaseline pingpong 100000");
        L("taskset -c 0 harness run --impl libbus|libbus-aot|c|dbus --listeners 1|4|16 ...   # same N, W and options as above");
        L("harness syscalls --impl libbus --listeners 1|4|16 --n1 1000 --n2 5000;  harness syscalls --impl c --listeners 1 ...");
        L("hyperfine -N --warmup 20 --runs 200 'bus broadcast BUS \"0 hello\"' 'dbus-send --bus=ADDR --type=signal /org/libbus/Bench org.libbus.Bench.Ping' \\");
        L("    bench/out/hello-aot/hello bench/out/hello-jit/hello 'bench/out/hello-aot/hello --silent' \\");
        L("    'bench/out/bus-aot-defaults/bus broadcast BUS \"0 hello\"' bench/out/hello-aot-defaults/hello");
        L("/usr/bin/time -f %R COMMAND    # minor page faults, 21 runs of each of the four Native AOT commands");
        L("harness idle-rss --bus-exe bench/out/bus-aot/bus");
        L("bench/listen-rss.sh bench/out/bus-aot/bus 200000 100;  bench/listen-rss.sh bench/out/bus-aot/bus 50000 2000");
        L("bench/listener-memory.sh H bench/out/harness-aot/harness bench/out/cbaseline bench/out/bus-aot/bus   # L = 16, 100000 messages");
        L("harness async --messages 20000 --rounds 5;  taskset -c 0 harness async --messages 20000 --rounds 5");
        L("LibBus.Benchmarks --filter '*' --job short");
        L("LibBus.BridgeBench 2000 20000 --bus-exe bench/out/bus-aot/bus   # nats-server -js on 127.0.0.1, a free port");
        L("```");
        L();
        L("## Across machines (bus bridge)");
        L();
        L("Two buses of one machine bridged through a `nats-server` on 127.0.0.1 (bench/LibBus.BridgeBench, `BusBridge` with the");
        L("command's defaults), from one run: latency from the broadcast on one bus until a listener of the other copied the message");
        L("(one message at a time, the four paths in turn), msg/s of back-to-back messages until the last one arrived. A bridged path");
        L("contains a local broadcast on each side and the NATS hop, so it is never faster than the local path or the NATS floor");
        L("(two plain NATS clients on the same server). Durable: JetStream, file storage, each message acknowledged after the");
        L("receiving bus's broadcast, one in flight. Dropped: the plain bridges' counters (NATS dropping a slow consumer's messages,");
        L("or the out buffer full); see [BRIDGE.md](BRIDGE.md) for what each mode promises.");
        L();
        string[] bridge = Lines("bridge.txt");
        L("| path | latency p50 µs | latency p99 µs | msg/s | arrived | dropped |");
        L("|---|---:|---:|---:|---:|---:|");
        foreach (string line in bridge.Where(line => line.StartsWith("| ", StringComparison.Ordinal) && !line.Contains("`bus bridge", StringComparison.Ordinal))
                     .DefaultIfEmpty("| – | – | – | – | – | – |"))
            L(line);
        L();
        if (bridge.LastOrDefault(line => line.StartsWith("CHECK ", StringComparison.Ordinal)) is { } check) L(check["CHECK ".Length..] + ".");
        if (bridge.LastOrDefault(line => line.StartsWith("RUN ", StringComparison.Ordinal)) is { } run) L($"Run: {run["RUN ".Length..]}.");
        L();
        L("Resident memory of `bus bridge PATH --direction in` (Native AOT, plain) while the bus's only listener is stopped");
        L("(SIGSTOP) and 300 messages of 1 MiB (rejected: not bus messages) and 3,000 of 2,000 bytes arrive (one broadcast waits,");
        L("up to 1,024 messages wait behind it, NATS drops the rest); busy is the highest VmRSS sampled over the 3 s after the last one:");
        L();
        L("| bridge | messages | idle VmRSS | busy VmRSS | peak VmHWM |");
        L("|---|---:|---:|---:|---:|");
        foreach (string line in bridge.Where(line => line.StartsWith("| `bus bridge", StringComparison.Ordinal)).DefaultIfEmpty("| – | – | – | – | – |"))
            L(line);

        File.WriteAllText(o.Get("out"), md.ToString());
        if (o.GetOrNull("plot-data") is { } datFile) File.WriteAllText(datFile, PlotData(spread, oneCpu));
        return 0;
    }

    /// <summary>
    /// bench/plot.gp's input: two blocks (gnuplot index 0: spread, L = 1 to 16; index 1: one CPU,
    /// L = 1, 4, 16), columns L and msg/s of libbus, libbus-aot, c, dbus ("?" where not measured).
    /// L = 0 is left out: it is no delivery rate for D-Bus.
    /// </summary>
    private static string PlotData(Runs spread, Runs oneCpu)
    {
        var dat = new StringBuilder();
        foreach ((Runs p, int[] sizes) in new[] { (spread, Sizes.Where(l => l > 0).ToArray()), (oneCpu, OneCpuSizes) })
        {
            dat.Append(Inv, $"# {p.Placement}: L libbus libbus-aot c dbus (messages/s)\n");
            foreach (int l in sizes)
                dat.Append(Inv, $"{l} {string.Join(' ', new[] { "libbus", "libbus-aot", "c", "dbus" }.Select(impl => G(p.Rate(impl, l))))}\n");
            dat.Append("\n\n");
        }
        return dat.ToString();
    }

    private static List<Dictionary<string, string>> Csv(string text)
    {
        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length == 0) return [];
        string[] header = lines[0].Split(',');
        return lines.Skip(1).Select(line => line.Split(',', header.Length))
            .Select(cells => header.Zip(cells).ToDictionary(p => p.First, p => p.Second)).ToList();
    }

    /// <summary>"WORD key=value key=value" → keys and values (the last of a repeated key).</summary>
    private static Dictionary<string, string> Fields(string line)
    {
        var fields = new Dictionary<string, string>();
        foreach (string[] kv in line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(t => t.Contains('=')).Select(t => t.Split('=', 2)))
            fields[kv[0]] = kv[1];
        return fields;
    }

    /// <summary>The msg/s of each repeated run, from a row's <c>detail</c> ("verified; median of 3: a b c"); none if not there.</summary>
    private static double[] Repeats(Dictionary<string, string>? row)
    {
        string detail = row?.GetValueOrDefault("detail") ?? "";
        int colon = detail.IndexOf("median of", StringComparison.Ordinal) is >= 0 and var at ? detail.IndexOf(':', at) : -1;
        return colon < 0 ? [] : [.. detail[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(D).Where(v => !double.IsNaN(v))];
    }

    private static string Range(double[] v) => v.Length == 0 ? "–" : $"{N0(v.Min())}–{N0(v.Max())}";

    /// <summary>A number from a results file; NaN if missing or not a number.</summary>
    private static double D(string? s) => double.TryParse(s, NumberStyles.Float, Inv, out double v) ? v : double.NaN;
    internal static double Median(IEnumerable<double> values)
    {
        var v = values.Where(x => !double.IsNaN(x)).Order().ToList();
        return v.Count == 0 ? double.NaN : v[v.Count / 2];
    }
    private static string N0(double v) => double.IsNaN(v) || double.IsInfinity(v) ? "–" : v.ToString("#,0", Inv);
    private static string F1(double v) => double.IsNaN(v) ? "–" : v.ToString("0.0", Inv);
    private static string F2(double v) => double.IsNaN(v) ? "–" : v.ToString("0.##", Inv);
    private static string F3(double v) => double.IsNaN(v) ? "–" : v.ToString("0.###", Inv);
    private static string X(double v) => double.IsNaN(v) || double.IsInfinity(v) ? "–" : v.ToString("0.00", Inv) + "×";
    private static string G(double v) => double.IsNaN(v) ? "?" : v.ToString("0", Inv);
}
