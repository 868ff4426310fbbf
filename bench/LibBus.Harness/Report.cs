using System.Globalization;
using System.Text;
using System.Text.Json;

namespace LibBus.Harness;

/// <summary>Writes docs/PERFORMANCE.md (and the plot's data file) from bench/results/.</summary>
internal static class Report
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private static readonly int[] Sizes = [0, 1, 2, 4, 8, 16];

    internal static int Run(Options o)
    {
        string dir = o.Get("results");
        string Read(string name) => File.Exists(Path.Combine(dir, name)) ? File.ReadAllText(Path.Combine(dir, name)) : "";
        var md = new StringBuilder();
        void L(string line = "") => md.Append(line).Append('\n');

        // ---- inputs ----
        string machine = Read("machine.txt").Trim();
        List<Dictionary<string, string>> runs = Csv(Read("throughput.csv"));
        List<Dictionary<string, string>> sys = Csv(Read("syscalls.csv"));
        List<Dictionary<string, string>> oneCpu = Csv(Read("throughput-one-cpu.csv"));
        double PingMedian(string file, bool csharp) => Median(Read(file).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(Fields).Where(p => p.ContainsKey("impl") == csharp).Select(p => D(p["round_trips_per_s"])));
        double pingCs = PingMedian("pingpong.txt", true), pingC = PingMedian("pingpong.txt", false);
        double pingOneCs = PingMedian("pingpong-one-cpu.txt", true), pingOneC = PingMedian("pingpong-one-cpu.txt", false);
        static Dictionary<string, string>? RowIn(List<Dictionary<string, string>> table, string impl, int l, int b = 1) =>
            table.LastOrDefault(r => r["impl"] == impl && r["listeners"] == $"{l}" && r["broadcasters"] == $"{b}");
        static double RateIn(List<Dictionary<string, string>> table, string impl, int l) =>
            RowIn(table, impl, l) is { } r && r["status"] == "ok" ? D(r["msgs_per_s"]) : double.NaN;
        Dictionary<string, string>? Row(string impl, int l, int b = 1) => RowIn(runs, impl, l, b);
        double Rate(string impl, int l) => RateIn(runs, impl, l);
        double OneCpu(string impl, int l) => RateIn(oneCpu, impl, l);

        var cli = new Dictionary<string, (double Median, double Mean, double Sd, double Min)>();
        if (Read("cli.json") is { Length: > 0 } json)
            foreach (JsonElement r in JsonDocument.Parse(json).RootElement.GetProperty("results").EnumerateArray())
                cli[r.GetProperty("command").GetString()!] = (r.GetProperty("median").GetDouble() * 1e3, r.GetProperty("mean").GetDouble() * 1e3,
                    r.GetProperty("stddev").GetDouble() * 1e3, r.GetProperty("min").GetDouble() * 1e3);
        double Cli(string name) => cli.TryGetValue(name, out var c) ? c.Median : double.NaN;
        Dictionary<string, string> idle = Fields(Read("idle-rss.txt").Trim());
        // harness async: one ASYNC line per mode (sync, await, window), spread and on one CPU.
        Dictionary<string, string>? Async(string file, string mode) => Read(file).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(Fields).LastOrDefault(f => f.GetValueOrDefault("mode") == mode);
        (string File, string Placement)[] asyncRuns = [("async.txt", "spread by the scheduler"), ("async-one-cpu.txt", "all on one CPU")];

        // ---- targets ----
        double r1 = Rate("libbus", 1) / Rate("dbus", 1), r4 = Rate("libbus", 4) / Rate("dbus", 4), r16 = Rate("libbus", 16) / Rate("dbus", 16);
        double vsC = Rate("libbus", 1) / Rate("c", 1);
        // The names are those run-all.sh gives hyperfine (-n).
        double busCli = Cli("bus broadcast (Native AOT)"), helloAot = Cli("hello (Native AOT)"), dbusSend = Cli("dbus-send --type=signal");
        double busDefault = Cli("bus broadcast (Native AOT, default settings)"), helloDefault = Cli("hello (Native AOT, default settings)");
        Dictionary<string, string> faults = Read("page-faults.tsv").Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('\t')).Where(f => f.Length == 2).ToDictionary(f => f[0], f => f[1]);
        string Faults(string name) => faults.GetValueOrDefault(name, "?");
        double Sys(string impl, int l, string role, string column = "sem_per_msg") => sys.LastOrDefault(s => s["impl"] == impl && s["listeners"] == $"{l}" && s["role"] == role)
            is { } s ? D(s[column]) : double.NaN;
        // The protocol's steps are the semop calls (semtimedop on x86-64) and the publish's SETVAL; the
        // other semctl calls are the shield's non-blocking reads.
        double Semops(int l, string role) => Sys("libbus", l, role, "semop_per_msg") + Sys("libbus", l, role, "semtimedop_per_msg");
        double sysB = Math.Max(Semops(1, "broadcaster"), Semops(4, "broadcaster")) + 1;
        double sysL = Sys("libbus", 1, "listener");
        double allocMax = runs.Where(r => r["impl"].StartsWith("libbus", StringComparison.Ordinal) && r["status"] == "ok").Select(r => D(r["alloc_bytes_per_msg"])).DefaultIfEmpty(double.NaN).Max();
        double rssMib = idle.TryGetValue("rss_kib", out string? rss) ? D(rss) / 1024 : double.NaN;
        int hangs = runs.Concat(oneCpu).Count(r => r["status"] == "hang"), fails = runs.Concat(oneCpu).Count(r => r["status"] == "fail");
        int[] oneCpuSizes = [1, 4, 16];
        int expectedRuns = Sizes.Length * 3 + 2 + oneCpuSizes.Length + oneCpuSizes.Length * 4; // + libbus-aot at L = 1, 4, 16

        L("# LibBus performance");
        L();
        L("<!-- Generated by bench/run-all.sh (bench/LibBus.Harness/Report.cs). Do not edit by hand: re-run it. -->");
        L();
        L("Every figure below comes from **one run** of `bench/run-all.sh` on the machine described under");
        L("[Machine](#machine), so the ratios compare things measured minutes apart under the same conditions.");
        L("That machine (a 2-core VM) is shared with other jobs (builds and test suites), so the load average at the");
        L("start and end of the run is recorded below. Absolute numbers are noisy; each throughput figure is the");
        L("median of 3 runs, and the ratios within the run are the point of the exercise.");
        L();
        L("Re-run everything (installs missing Debian packages when root, builds in Release, about 10 minutes):");
        L();
        L("```sh");
        L("bench/run-all.sh");
        L("```");
        L();
        L("## Targets");
        L();
        L("| target | measured | |");
        L("|---|---|---|");
        // Each throughput target twice: processes where the scheduler puts them, and every process on one CPU.
        void Ratio(string what, string impl, int l, double target, List<Dictionary<string, string>> table, string placement, string us = "libbus")
        {
            double ours = RateIn(table, us, l), theirs = RateIn(table, impl, l);
            Target($"LibBus{(us == "libbus-aot" ? " (Native AOT)" : "")} ≥ {(target == 1 ? "" : $"{target:0}× ")}{what} at L = {l}, {placement}",
                $"{X(ours / theirs)} ({N0(ours)} vs {N0(theirs)} msg/s)", ours / theirs >= target);
        }
        foreach ((List<Dictionary<string, string>> table, string placement) in new[] { (runs, "spread by the scheduler"), (oneCpu, "all on one CPU") })
        {
            Ratio("D-Bus signal+ack", "dbus", 1, 5, table, placement);
            Ratio("D-Bus signal+ack", "dbus", 4, 3, table, placement);
            Ratio("D-Bus signal+ack", "dbus", 16, 3, table, placement);
            Ratio("C doing the same semaphore steps", "c", 1, 1, table, placement);
            Ratio("C doing the same semaphore steps", "c", 1, 1, table, placement, us: "libbus-aot");
        }
        foreach ((string file, string placement) in asyncRuns)
        {
            if (Async(file, "window") is not { } window || Async(file, "sync") is not { } sync) continue;
            double ratio = D(window["msg_per_s"]) / D(sync["msg_per_s"]);
            Target($"BroadcastAsync ≥ 0.8× Broadcast at L = 1 ({window["window"]} calls in flight), {placement}",
                $"{X(ratio)} ({N0(D(window["msg_per_s"]))} vs {N0(D(sync["msg_per_s"]))} msg/s)", ratio >= 0.8);
        }
        Target("`bus broadcast` wall ≤ 1.3× Native AOT hello",
            $"{X(busCli / helloAot)} ({busCli:0.00} vs {helloAot:0.00} ms, medians, same start-up options); " +
            $"{X(busCli / helloDefault)} against a hello with default settings ({helloDefault:0.00} ms)", busCli <= 1.3 * helloAot && busCli <= 1.3 * helloDefault);
        Target("`bus broadcast` wall < `dbus-send --type=signal`", $"{busCli:0.00} vs {dbusSend:0.00} ms (medians)", busCli < dbusSend);
        Target("broadcaster: 4 semaphore calls per message (3 semop + SETVAL), plus the shield's reads",
            $"{sysB:0.###} at L = 1 and 4, plus {Sys("libbus", 1, "broadcaster") - sysB:0.###} and {Sys("libbus", 4, "broadcaster") - sysB:0.###} reads", Math.Round(sysB, 2) <= 4);
        Target("listener: 3 semaphore calls per message plus 1 read, alone on a bus", $"{sysL:0.###}", Math.Round(sysL, 2) <= 4);
        Target("no allocation per message on the broadcast path", $"{allocMax:0.##} B/message (largest over all LibBus runs)", allocMax == 0);
        Target("`bus listen` idle resident memory ≤ 20 MiB", $"{rssMib:0.0} MiB", rssMib <= 20);
        Target("zero hangs", $"{hangs} hang(s), {fails} failure(s) in {runs.Count + oneCpu.Count} configurations (of {expectedRuns} planned), every one run 3×",
            hangs == 0 && fails == 0 && runs.Count + oneCpu.Count >= expectedRuns);
        L();
        double floor = Math.Max(pingCs, pingC), ceil1 = floor / Rate("dbus", 1), ceil4 = floor / Rate("dbus", 4);
        L("\"Spread by the scheduler\" is how programs normally run; \"all on one CPU\" pins every process of a run, the");
        L("dbus-daemon included, to CPU 0 (see [Every process on one CPU](#every-process-on-one-cpu)).");
        L();
        if (ceil1 < 5 || ceil4 < 3)
        {
            L($"**The ceiling in this run, spread.** A synchronous broadcast takes at least one semaphore round trip (the");
            L("broadcaster's wait cannot end before a listener's acknowledgement wakes it, and the listener cannot");
            L("acknowledge before the broadcaster's publication wakes it), so no implementation of PROTOCOL.md, in any");
            L($"language, can deliver more messages/s from one broadcaster to its listeners than the ping-pong floor: {N0(floor)} round trips/s");
            L($"here with the processes spread (see [The floor](#the-floor-semaphore-ping-pong)). That is {X(ceil1)} D-Bus at L = 1 and");
            L($"{X(ceil4)} at L = 4, so a target above those ratios is out of reach in that placement on this machine in this run,");
            L("whatever the code does.");
            L();
        }

        L("## Throughput and latency");
        L();
        L("One broadcaster process, L listener processes, each message acknowledged by every listener before the");
        L("broadcast returns (for D-Bus: a signal fanned out by `dbus-daemon`, each subscriber answering with a");
        L("no-reply method call to the sender, the broadcaster waiting for all L answers). Every listener checks that");
        L("it got every message, in order. p50/p99 are per-broadcast latencies seen by the broadcaster.");
        L();
        L("| L | LibBus msg/s | p50 µs | p99 µs | C baseline msg/s | p50 µs | D-Bus msg/s | p50 µs | p99 µs | LibBus ÷ D-Bus | LibBus ÷ C | LibBus ÷ ping-pong |");
        L("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        var dat = new StringBuilder("# index L libbus c dbus (messages/s)\n");
        for (int i = 0; i < Sizes.Length; i++)
        {
            int l = Sizes[i];
            string Cell(string impl, string col) => Row(impl, l) is { } r
                ? r["status"] == "ok" ? (col == "msgs_per_s" ? N0(D(r[col])) : $"{D(r[col]):0.0}") : $"**{r["status"]}**"
                : "–";
            L($"| {l} | {Cell("libbus", "msgs_per_s")} | {Cell("libbus", "p50_us")} | {Cell("libbus", "p99_us")} | " +
              $"{Cell("c", "msgs_per_s")} | {Cell("c", "p50_us")} | {Cell("dbus", "msgs_per_s")} | {Cell("dbus", "p50_us")} | {Cell("dbus", "p99_us")} | " +
              $"{X(Rate("libbus", l) / Rate("dbus", l))} | {X(Rate("libbus", l) / Rate("c", l))} | {(l == 0 ? "–" : X(Rate("libbus", l) / pingCs))} |");
            dat.Append(Inv, $"{i} {l} {G(Rate("libbus", l))} {G(Rate("c", l))} {G(Rate("dbus", l))}\n");
        }
        L();
        L("![messages/s against listener count, LibBus vs the C baseline vs D-Bus](perf-throughput.png)");
        L();
        L("At L = 0 nobody acknowledges: LibBus and C still take and release the bus (4 semaphore calls), D-Bus only");
        L("writes the signal to the daemon's socket, with no flow control, so its L = 0 figure is not a delivery rate.");
        L();
        L("Several broadcaster processes at once (messages/s over all of them; latency: median p50 and worst p99):");
        L();
        L("| broadcasters | L | messages each | LibBus msg/s | p50 µs | p99 µs | status |");
        L("|---:|---:|---:|---:|---:|---:|---|");
        foreach (var r in runs.Where(r => r["impl"] == "libbus" && r["broadcasters"] != "1"))
            L($"| {r["broadcasters"]} | {r["listeners"]} | {r["messages"]} | {N0(D(r["msgs_per_s"]))} | {D(r["p50_us"]):0.0} | {D(r["p99_us"]):0.0} | {r["status"]} |");
        L();
        L("Every configuration as measured (`bench/results/throughput.csv`; the three runs' msg/s are in `detail`):");
        L();
        L("| impl | L | B | N | status | msg/s | p50 µs | p99 µs | B allocated/msg | detail |");
        L("|---|---:|---:|---:|---|---:|---:|---:|---:|---|");
        foreach (var r in runs)
            L($"| {r["impl"]} | {r["listeners"]} | {r["broadcasters"]} | {r["messages"]} | {r["status"]} | {r["msgs_per_s"]} | {r["p50_us"]} | {r["p99_us"]} | {r["alloc_bytes_per_msg"]} | {r["detail"]} |");
        L();

        L("## The floor: semaphore ping-pong");
        L();
        L("Two processes bounce a token over a private 2-semaphore array (`V(a); P(b)` against `P(a); V(b)`),");
        L("one round trip being the least any \"send, then wait until the other side has it\" scheme must do.");
        L($"Median of 3 runs of 100,000 round trips: **{N0(pingCs)} round trips/s** from the C# harness");
        L($"(`harness pingpong`), {N0(pingC)} from C (`cbaseline pingpong`). The last column of the throughput table");
        L("divides LibBus's messages/s by the C# figure.");
        L();
        L("Both the ping-pong and a bus delivery are bound by how fast the kernel wakes a process blocked in a");
        L("semaphore wait on the other vCPU, which on this virtual machine is slow when that vCPU is idle. The next");
        L("section repeats the runs with every process on one CPU, where that cost is gone.");
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
            double baseline = Async(file, "sync") is { } b ? D(b["msg_per_s"]) : double.NaN;
            foreach (string mode in (string[])["sync", "await", "window"])
                if (Async(file, mode) is { } a)
                    L($"| {placement} | {mode} | {N0(D(a["msg_per_s"]))} | {X(D(a["msg_per_s"]) / baseline)} | {a.GetValueOrDefault("loadavg", "?")} | {a["runs"]} |");
        }
        L();
        L("Every call goes through one broadcasting thread per `Bus`, whatever the number pending. A producer that keeps");
        L("calls in flight gets close to the blocking rate. A caller that awaits each call before making the next pays two thread");
        L("hand-offs per message on top: the broadcasting thread completes the task, and the continuation runs on the");
        L("thread pool, never on the broadcasting thread, so no caller's code can stall the queue or deadlock it by");
        L("waiting there for a later call (running continuations inline measured about 1.1× `sync`, and was rejected");
        L("for that reason). The thread looks for the next call briefly before it sleeps, which saves a wake-up when");
        L("the next call comes within microseconds.");
        L();
        L("## Every process on one CPU");
        L();
        L("The same runs with every process (harness, broadcaster, listeners, and the dbus-daemon's threads) pinned to");
        L("CPU 0 with `taskset`. A wake-up is then a context switch on the same CPU rather than a wake-up of the other");
        L("vCPU, which is what a round trip mostly costs on this VM when the processes are spread. Ping-pong on one CPU:");
        L($"**{N0(pingOneCs)} round trips/s** from C#, {N0(pingOneC)} from C (median of 3), against {N0(pingCs)} and {N0(pingC)} spread.");
        L();
        L("| L | LibBus msg/s | p50 µs | p99 µs | C baseline msg/s | D-Bus msg/s | p50 µs | LibBus ÷ D-Bus | LibBus ÷ C | LibBus ÷ D-Bus, spread |");
        L("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (int l in oneCpuSizes)
        {
            var lb = RowIn(oneCpu, "libbus", l);
            var db = RowIn(oneCpu, "dbus", l);
            L($"| {l} | {N0(OneCpu("libbus", l))} | {Us(lb, "p50_us")} | {Us(lb, "p99_us")} | {N0(OneCpu("c", l))} | {N0(OneCpu("dbus", l))} | {Us(db, "p50_us")} | " +
              $"{X(OneCpu("libbus", l) / OneCpu("dbus", l))} | {X(OneCpu("libbus", l) / OneCpu("c", l))} | {X(Rate("libbus", l) / Rate("dbus", l))} |");
        }
        L();
        L("Every one-CPU configuration as measured (`bench/results/throughput-one-cpu.csv`):");
        L();
        L("| impl | L | N | status | msg/s | p50 µs | p99 µs | detail |");
        L("|---|---:|---:|---|---:|---:|---:|---|");
        foreach (var r in oneCpu)
            L($"| {r["impl"]} | {r["listeners"]} | {r["messages"]} | {r["status"]} | {r["msgs_per_s"]} | {r["p50_us"]} | {r["p99_us"]} | {r["detail"]} |");
        L();

        L("## LibBus under the JIT and as Native AOT");
        L();
        L("The LibBus rows above run the harness's listener and broadcaster roles under the JIT (`dotnet build`, tiered");
        L("compilation, after warm-up). `--impl libbus-aot` runs the same roles from a Native AOT publish of the harness with");
        L("default settings, as a program using LibBus and published AOT would (the `bus` command is one).");
        L();
        L("| placement | L | LibBus JIT msg/s | LibBus Native AOT msg/s | C baseline msg/s | JIT ÷ C | AOT ÷ C |");
        L("|---|---:|---:|---:|---:|---:|---:|");
        foreach ((List<Dictionary<string, string>> table, string placement) in new[] { (runs, "spread"), (oneCpu, "one CPU") })
            foreach (int l in oneCpuSizes)
            {
                double jit = RateIn(table, "libbus", l), aotRate = RateIn(table, "libbus-aot", l), c = RateIn(table, "c", l);
                L($"| {placement} | {l} | {N0(jit)} | {N0(aotRate)} | {N0(c)} | {X(jit / c)} | {X(aotRate / c)} |");
            }
        L();

        L("## Syscall budget");
        L();
        L("`strace -f -c` on every child process of a run with N1 = 1,000 and N2 = 5,000 timed messages; the table");
        L("divides the difference in calls by N2 − N1, so start-up, joining and warm-up cancel out. glibc's `semop()`");
        L("is the `semtimedop` system call on x86-64, so both are counted. \"All\" is every system call of the process.");
        L();
        L("| impl | L | role | semop + semtimedop + semctl per msg | semctl | all syscalls per msg |");
        L("|---|---:|---|---:|---:|---:|");
        foreach (var s in sys)
            L($"| {s["impl"]} | {s["listeners"]} | {s["role"]} | {s["sem_per_msg"]} | {s["semctl_per_msg"]} | {s["all_per_msg"]} |");
        L();
        L("PROTOCOL.md's hardened algorithm needs 4 semaphore calls per message for the broadcaster and 3 per listener; the");
        L("C library (reference algorithm) makes 7 and 8. LibBus adds non-blocking `semctl` reads that decide whether C");
        L("listeners need shielding: the broadcaster reads S before and W after its publish (2), and only when the publish");
        L("did not release every counted listener at once, W and the sleepers on N until they match; a listener reads S and");
        L("W once after its release (1), and more only when a counted listener did not hold W then. The C baseline");
        L("implements the protocol's steps only.");
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
        L($"`bus listen --ready PATH` (Native AOT), joined and idle for 3 s: VmRSS **{rssMib:0.0} MiB**, VmHWM " +
          $"{(idle.TryGetValue("hwm_kib", out string? hwm) ? D(hwm) / 1024 : double.NaN):0.0} MiB; it left the bus and exited on SIGTERM: {idle.GetValueOrDefault("clean_exit_on_sigterm", "?")}.");
        L();

        Dictionary<string, string> idleCalls = Fields(Read("idle-syscalls.txt").Split('\n')[0]);
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
            ? $"  executable pays before `Main` runs; `bus broadcast` does its work (key file, attach, four semaphore calls and two reads) in {busCli - silent:0.00} ms on top of it, and still finishes {dbusSend - busCli:0.00} ms before `dbus-send`."
            : $"  executable pays before `Main` runs. To beat `dbus-send`, `bus broadcast` would have to read the key file, attach, broadcast and detach in {dbusSend - silent:0.00} ms; it takes {busCli - silent:0.00} ms.");
        L("- The broadcast path meets the budget: 4 semaphore calls, 2 reads, the shield's reads when it shields (more often");
        L("  with many listeners, which are then more often not yet waiting when a message is published) and no other system");
        L("  call per message (\"all\" column), 0 bytes allocated. The listener makes 3 calls and 1 read per message.");
        L("  `Bus.ListenBytes` (which the harness's");
        L("  listener uses) copies each message into one buffer and allocates nothing per message (tested); `Listen`,");
        L("  `Subscribe` and polling hand out a `BusMessage` per message, one array and one object.");
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
        L("  messages (so the JIT has reached steady state), then starts them together and times N messages each with");
        L("  `Stopwatch`. Messages are `\"<pid> <seq>\"`; each listener checks every sender's sequence and reports how many");
        L("  it got. A watchdog kills the run's processes and records `hang` if it does not finish in time; the bus is");
        L("  removed afterwards. LibBus's broadcaster uses `Broadcast(ReadOnlySpan<byte>)` with a reused buffer and");
        L("  reports `GC.GetAllocatedBytesForCurrentThread()` over the timed loop.");
        L("- `bench/c/cbaseline.c`: PROTOCOL.md's hardened algorithm in C, one `semop`/`semctl` per step, same line protocol.");
        L("- `bench/c/dbuspeer.c`: libdbus signal + per-subscriber acknowledgement on a private `dbus-daemon --session`.");
        L("- `bench/LibBus.Benchmarks`: BenchmarkDotNet; `bench/Hello`: the hello-world used for start-up, published both");
        L("  Native AOT and framework-dependent (JIT) with the same options as `src/BusCli`.");
        L();
        L("Exact commands (as `bench/run-all.sh` runs them; `H=bench/out/artifacts/bin/LibBus.Harness/release/harness`):");
        L();
        L("```sh");
        L("harness run --impl libbus|c|dbus --listeners L --broadcasters 1 --messages N --warmup W --repeat 3 --timeout 150 \\");
        L("    --dbus-address \"$(dbus-daemon --session --fork --address unix:path=… --print-address)\"");
        L("#   L = 0 1 2 4: N = 20000, W = 10000;  L = 8: N = 10000, W = 5000;  L = 16: N = 5000, W = 3000");
        L("harness run --impl libbus --listeners 4 --broadcasters 2 --messages 10000 --warmup 5000");
        L("harness run --impl libbus --listeners 16 --broadcasters 4 --messages 2500 --warmup 1500");
        L("harness pingpong --rounds 100000;  cbaseline pingpong 100000");
        L("taskset -a -p -c 0 DBUS_PID;  taskset -c 0 harness pingpong --rounds 100000;  taskset -c 0 cbaseline pingpong 100000");
        L("taskset -c 0 harness run --impl libbus|c|dbus --listeners 1|4|16 ...   # same N, W and options as above");
        L("harness syscalls --impl libbus|c --listeners 1|4 --n1 1000 --n2 5000");
        L("hyperfine -N --warmup 20 --runs 200 'bus broadcast BUS \"0 hello\"' 'dbus-send --bus=ADDR --type=signal /org/libbus/Bench org.libbus.Bench.Ping' \\");
        L("    bench/out/hello-aot/hello bench/out/hello-jit/hello 'bench/out/hello-aot/hello --silent' \\");
        L("    'bench/out/bus-aot-defaults/bus broadcast BUS \"0 hello\"' bench/out/hello-aot-defaults/hello");
        L("/usr/bin/time -f %R COMMAND    # minor page faults, 21 runs of each of the four Native AOT commands");
        L("harness idle-rss --bus-exe bench/out/bus-aot/bus");
        L("harness async --messages 20000 --rounds 5;  taskset -c 0 harness async --messages 20000 --rounds 5");
        L("LibBus.Benchmarks --filter '*' --job short");
        L("```");

        File.WriteAllText(o.Get("out"), md.ToString());
        if (o.GetOrNull("plot-data") is { } datFile) File.WriteAllText(datFile, dat.ToString());
        return 0;

        void Target(string what, string measured, bool met) => L($"| {what} | {measured} | {(met ? "met" : "**not met**")} |");
    }

    private static List<Dictionary<string, string>> Csv(string text)
    {
        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length == 0) return [];
        string[] header = lines[0].Split(',');
        return lines.Skip(1).Select(line => line.Split(',', header.Length))
            .Select(cells => header.Zip(cells).ToDictionary(p => p.First, p => p.Second)).ToList();
    }

    /// <summary>"WORD key=value key=value" → keys and values.</summary>
    private static Dictionary<string, string> Fields(string line) => line.Split(' ', StringSplitOptions.RemoveEmptyEntries)
        .Where(t => t.Contains('=')).Select(t => t.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1]);

    private static double D(string s) => double.Parse(s, Inv);
    internal static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToList();
        return v.Count == 0 ? double.NaN : v[v.Count / 2];
    }
    private static string Us(Dictionary<string, string>? row, string column)
        => row is not null && row["status"] == "ok" ? D(row[column]).ToString("0.0", Inv) : "–";
    private static string N0(double v) => double.IsNaN(v) ? "–" : v.ToString("#,0", Inv);
    private static string X(double v) => double.IsNaN(v) || double.IsInfinity(v) ? "–" : v.ToString("0.00", Inv) + "×";
    private static string G(double v) => double.IsNaN(v) ? "NaN" : v.ToString("0", Inv);
}
