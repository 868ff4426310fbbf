using System.Diagnostics;
using System.Text.RegularExpressions;

namespace LibBus.Campaign;

/// <summary>
/// One randomized trial: a bus in a temporary directory, real listener and
/// broadcaster processes, one injected fault, the invariant checks, removal of
/// the bus and the IPC leak check. Everything it waits for is under a watchdog:
/// no progress for 10 s is a hang.
/// </summary>
public sealed partial class Trial
{
    public static readonly TimeSpan Stall = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(60);

    /// <summary>How late a timed broadcast may end, on a loaded machine, process start included.</summary>
    public static readonly TimeSpan TimeoutSlack = TimeSpan.FromSeconds(8);

    private readonly CampaignOptions _options;
    private readonly TrialResult _result;
    private readonly Random _rng;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<ChildProcess> _children = new();
    private readonly List<Listener> _listeners = new();
    private readonly List<Broadcaster> _broadcasters = new();
    private readonly IpcScope _ipc = new();
    private readonly HashSet<string> _confirmed = new();
    private readonly HashSet<string> _uncertain = new();
    private readonly List<BusKeys> _buses = new();
    private string _directory = "";
    private string _path = "";
    private Bus? _handle;
    private long _events;
    private bool _removedByScenario;

    private sealed record Listener(ChildProcess Process, string Kind, bool Throughout, int Threshold, bool Cli)
    {
        public bool Started { get; set; }
        public bool Killed { get; set; }
        public bool Ready => Cli ? Process.StderrLines.Any(l => l.EndsWith(": listening", StringComparison.Ordinal)) : Process.StderrHas("ready");
    }

    private sealed record Broadcaster(ChildProcess Process, string Id, int Count)
    {
        public bool Killed { get; set; }
    }

    public Trial(CampaignOptions options, int index, int seed, string scenario)
    {
        _options = options;
        _rng = new Random(seed);
        _result = new TrialResult(index, seed, scenario);
    }

    private string Scenario => _result.Scenario;

    public TrialResult Run()
    {
        try
        {
            RunScenario();
        }
        catch (HangException e)
        {
            _result.Fail("hang", e.Message);
        }
        catch (Exception e)
        {
            _result.Fail("other", $"harness: {e.GetType().Name}: {e.Message}");
        }
        finally
        {
            CleanUp();
            _result.Elapsed = _clock.Elapsed;
        }
        return _result;
    }

    private void RunScenario()
    {
        _directory = Directory.CreateTempSubdirectory("libbus-campaign-").FullName;
        _path = Path.Combine(_directory, "bus");
        Bus.Create(_path, exclusive: true);
        _handle = Bus.Open(_path);
        Remember(_handle.Keys);

        bool removal = Scenario is Scenarios.RemoveCli or Scenarios.RemoveIpcrm;
        bool stop = Scenario == Scenarios.StopListener;
        bool needsSecond = Scenario is Scenarios.KillListener or Scenarios.StopListener;

        // Parameters.
        int stable = _rng.Next(needsSecond ? 2 : 1, 4);
        int churners = _rng.Next(Scenario == Scenarios.Churn ? 2 : 0, Scenario == Scenarios.Churn ? 7 : 4);
        int broadcasters = _rng.Next(1, 5);
        int perBroadcaster = removal ? 0 : _rng.Next(20, 80);
        int total = removal ? _rng.Next(20, 150) : broadcasters * perBroadcaster;
        int faultAt = _rng.Next(total / 10, Math.Max(total / 10 + 1, total * 9 / 10));
        int churnLimit = Scenario is Scenarios.Churn or Scenarios.KillListener or Scenarios.KillBroadcaster or Scenarios.StopListener
            ? total * 9 / 10 : faultAt;
        int timeoutMs = stop ? 1000 : 0;
        _result.Parameters = $"{stable} listener(s), {churners} churner(s), {broadcasters} broadcaster(s) x {(removal ? "until removed" : perBroadcaster)}, fault at {faultAt}";

        // Processes: stable listeners (the first is the reference), churners, broadcasters.
        for (int i = 0; i < stable; i++)
            _listeners.Add(new Listener(StartPeer($"listener{i}", "listen", _path, i == 0 ? "listen" : Kind(), "0", Delay()), i == 0 ? "listen" : "peer", true, 0, false));
        if (removal)
            _listeners.Add(new Listener(Start("bus-listen", _options.BusCli, ["listen", "--ready", _path]), "cli", true, 0, true) { Started = true });
        for (int i = 0; i < churners; i++)
        {
            string count = _rng.Next(4) == 0 ? "0" : _rng.Next(1, 25).ToString(System.Globalization.CultureInfo.InvariantCulture);
            _listeners.Add(new Listener(StartPeer($"churner{i}", "listen", _path, Kind(), count, Delay()), "churn", false, _rng.Next(0, Math.Max(1, churnLimit)), false));
        }
        for (int i = 0; i < broadcasters; i++)
        {
            string pause = _rng.Next(3) == 0 ? "0" : _rng.Next(1, 3).ToString(System.Globalization.CultureInfo.InvariantCulture);
            _broadcasters.Add(new Broadcaster(StartPeer($"broadcaster{i}", "broadcast", _path, $"b{i}",
                perBroadcaster.ToString(System.Globalization.CultureInfo.InvariantCulture), pause,
                timeoutMs.ToString(System.Globalization.CultureInfo.InvariantCulture)), $"b{i}", perBroadcaster));
        }

        WaitUntil(() => _children.All(c => c.HasExited || c.StderrHas("opened") || c.StderrLines.Any(l => l.EndsWith(": listening", StringComparison.Ordinal))),
            "every process to open the bus", Stall * 3);
        foreach (Listener l in _listeners.Where(l => l.Throughout && !l.Cli))
        {
            l.Process.Go();
            l.Started = true;
        }
        WaitUntil(() => _listeners.Where(l => l.Throughout).All(l => l.Ready || l.Process.HasExited), "the listeners to join");
        foreach (Broadcaster b in _broadcasters) b.Process.Go();

        // Stream; churners join at their moments; the fault at its moment.
        Listener reference = _listeners[0];
        bool faulted = false;
        WaitUntil(() =>
        {
            int seen = reference.Process.StdoutCount;
            bool streaming = !_broadcasters.All(b => b.Process.HasExited);
            foreach (Listener l in _listeners.Where(l => !l.Started && (l.Threshold <= seen || !streaming)))
            {
                l.Process.Go();
                l.Started = true;
            }
            if (!faulted && (seen >= faultAt || !streaming))
            {
                faulted = true;
                InjectFault();
            }
            return faulted && !streaming && (removal || _listeners.All(l => l.Started));
        }, "the broadcasters");

        if (!removal)
        {
            WaitUntil(() => _listeners.All(l => l.Ready || l.Process.HasExited), "the churners to join");
            Send(CampaignPeer.EndMessage, "the end message");
        }
        WaitUntil(() => _children.All(c => c.HasExited), "every process to end");
        foreach (ChildProcess c in _children) c.TryWaitForExit(TimeSpan.FromSeconds(10));

        CheckExits(removal);
        CheckDeliveries();
    }

    private string Kind() => _rng.Next(3) switch { 0 => "listen", 1 => "subscribe", _ => "poll" };

    private string Delay() => (_rng.Next(4) == 0 ? _rng.Next(1, 3) : 0).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private void InjectFault()
    {
        _events++;
        switch (Scenario)
        {
            case Scenarios.Churn:
                // The churn is the fault: each churner joins and leaves mid-stream.
                _result.Faults += _listeners.Count(l => !l.Throughout);
                break;
            case Scenarios.KillListener:
            {
                var victims = _listeners.Where(l => l != _listeners[0] && l.Started && !l.Process.HasExited).ToList();
                if (victims.Count == 0) break;
                Listener victim = victims[_rng.Next(victims.Count)];
                victim.Killed = true;
                victim.Process.TrySignal(Proc.SIGKILL);
                _result.Faults++;
                break;
            }
            case Scenarios.KillBroadcaster:
            {
                // Not one about to finish: a kill that lands after the last message is no fault.
                var victims = _broadcasters.Where(b => !b.Process.HasExited && b.Process.StdoutCount < b.Count - 2).ToList();
                if (victims.Count == 0) break;
                Broadcaster victim = victims[_rng.Next(victims.Count)];
                victim.Killed = true;
                victim.Process.TrySignal(Proc.SIGKILL);
                _result.Faults++;
                break;
            }
            case Scenarios.StopListener:
                StopAndContinue();
                break;
            case Scenarios.RemoveCli or Scenarios.RemoveIpcrm:
                Remove();
                break;
            case Scenarios.KeyFileDeleted or Scenarios.KeyFileReplaced:
                ChangeKeyFile();
                break;
        }
    }

    /// <summary>
    /// SIGSTOP a listener. The broadcasters (1 s timeout per message) give up; then a
    /// <c>bus broadcast --timeout</c> must fail in time naming the stuck listener count.
    /// After SIGCONT the bus must flow again with the stopped listener still on it.
    /// </summary>
    private void StopAndContinue()
    {
        var victims = _listeners.Where(l => l.Throughout && l != _listeners[0] && !l.Process.HasExited).ToList();
        Listener victim = victims[_rng.Next(victims.Count)];
        victim.Process.TrySignal(Proc.SIGSTOP);
        _result.Faults++;
        try
        {
            WaitUntil(() => _broadcasters.All(b => b.Process.HasExited), "the broadcasters to finish or time out");
            string message = "cli 0";
            _uncertain.Add(message);
            ToolResult r = ToolResult.Run(_options.BusCli, ["broadcast", "--timeout", "300ms", _path, message], ToolTimeout);
            _events++;
            Match m = StuckCount().Match(r.Stderr);
            if (r.ExitCode != 4 || r.StderrLines.Length != 1 || !r.Stderr.StartsWith($"bus: {_path}: timed out", StringComparison.Ordinal)
                || !m.Success || int.Parse(m.Groups[1].Value) < 1)
                _result.Fail("other", $"bus broadcast --timeout 300ms with a stopped listener: expected exit 4 and one line naming the stuck listener count: {r}");
            // No bound on the elapsed time: it includes the bus command's start-up, seconds on a
            // loaded machine (8.7 s was seen at load 40). The listener stays stopped until the
            // broadcast returns, so exit 4 with "timed out" is the timeout's own doing.
        }
        finally
        {
            victim.Process.TrySignal(Proc.SIGCONT);
        }
        for (int i = 0; i < 3; i++) Send($"h {i}", "a broadcast after SIGCONT");
    }

    [GeneratedRegex(@"(\d+) listener\(s\)")]
    private static partial Regex StuckCount();

    /// <summary><c>bus remove PATH</c> or <c>ipcrm</c> of both objects, under active listeners and broadcasters.</summary>
    private void Remove()
    {
        PrepareForPathChange();
        ToolResult r = Scenario == Scenarios.RemoveCli
            ? ToolResult.Run(_options.BusCli, ["remove", _path], ToolTimeout)
            : ToolResult.Run("ipcrm", ["-s", _handle!.SemaphoreId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "-m", _handle.SegmentId.ToString(System.Globalization.CultureInfo.InvariantCulture)], ToolTimeout);
        _events++;
        _result.Faults++;
        _removedByScenario = true;
        if (r.ExitCode != 0 || r.Stderr.Length != 0)
            _result.Fail("other", $"{(Scenario == Scenarios.RemoveCli ? "bus remove" : "ipcrm")} under load: {r}");
    }

    /// <summary>The key file deleted, or replaced by another bus's or by garbage, while the bus is in use.</summary>
    private void ChangeKeyFile()
    {
        PrepareForPathChange();
        _result.Faults++;
        string message = "x 0";
        ToolResult r;
        if (Scenario == Scenarios.KeyFileDeleted)
        {
            File.Delete(_path);
            r = ToolResult.Run(_options.BusCli, ["broadcast", _path, message], ToolTimeout);
            if (r.ExitCode != 1 || r.StderrLines.Length != 1 || !r.Stderr.Contains("no such bus", StringComparison.Ordinal))
                _result.Fail("other", $"bus broadcast after the key file was deleted: expected exit 1 and 'no such bus': {r}");
        }
        else if (_rng.Next(2) == 0)
        {
            string other = Path.Combine(_directory, "other");
            Bus.Create(other, exclusive: true);
            using (Bus second = Bus.Open(other, BusAccess.Listen)) Remember(second.Keys);
            File.Move(other, _path, overwrite: true);
            r = ToolResult.Run(_options.BusCli, ["broadcast", _path, message], ToolTimeout);
            if (r.ExitCode != 0)
                _result.Fail("other", $"bus broadcast to the bus that replaced the key file: {r}");
        }
        else
        {
            string garbage = Path.Combine(_directory, "garbage");
            File.WriteAllText(garbage, "not a key file\n");
            File.Move(garbage, _path, overwrite: true);
            r = ToolResult.Run(_options.BusCli, ["broadcast", _path, message], ToolTimeout);
            if (r.ExitCode != 1 || r.StderrLines.Length != 1 || !r.Stderr.Contains("not a bus key file", StringComparison.Ordinal))
                _result.Fail("other", $"bus broadcast after the key file was replaced by garbage: expected exit 1 and 'not a bus key file': {r}");
        }
        _events++;
        // "x 0" never reaches the listeners of the original bus: it is neither confirmed nor uncertain.
    }

    /// <summary>Lets every churner join before the path changes meaning (they open it only once).</summary>
    private void PrepareForPathChange()
    {
        foreach (Listener l in _listeners.Where(l => !l.Started))
        {
            l.Process.Go();
            l.Started = true;
        }
        WaitUntil(() => _listeners.All(l => l.Ready || l.Process.HasExited), "the churners to join");
    }

    /// <summary>A broadcast from the harness, which must be delivered within 10 s.</summary>
    private void Send(string message, string what)
    {
        try
        {
            _handle!.Broadcast(message, TimeSpan.FromSeconds(10));
            _confirmed.Add(message);
            _events++;
        }
        catch (BusTimeoutException e)
        {
            _uncertain.Add(message);
            throw new HangException($"{what} ('{message}') was not delivered within 10 s: {e.Message}; {Describe()}");
        }
    }

    private void CheckExits(bool removal)
    {
        foreach (Listener l in _listeners)
        {
            int code = l.Process.ExitCode;
            string[] err = l.Process.StderrLines.Where(s => s is not ("opened" or "ready") && !s.EndsWith(": listening", StringComparison.Ordinal)).ToArray();
            bool ok = (l.Killed, removal, l.Cli) switch
            {
                (true, _, _) => code == 128 + Proc.SIGKILL || KillMissed(l.Process),
                (false, true, true) => code == 1 && err.Length == 1 && err[0] == $"bus: {_path}: the bus was removed",
                (false, true, false) => code == 3 && err.Length == 1 && err[0].Contains("the bus was removed", StringComparison.Ordinal)
                                        || !l.Throughout && code == 0 && err.Length == 0,
                _ => code == 0 && err.Length == 0,
            };
            if (!ok) _result.Fail("other", $"unexpected end: {l.Process}");
        }
        foreach (Broadcaster b in _broadcasters)
        {
            int code = b.Process.ExitCode;
            string[] err = b.Process.StderrLines.Where(s => s != "opened").ToArray();
            bool ok = b.Killed ? code == 128 + Proc.SIGKILL || KillMissed(b.Process)
                : removal ? code == 3 && err.Length == 1 && err[0].Contains("the bus was removed", StringComparison.Ordinal)
                : Scenario == Scenarios.StopListener ? code == 0 && err.Length == 0 || code == 4 && err.Length == 1 && err[0].StartsWith("timeout: ", StringComparison.Ordinal)
                : code == 0 && err.Length == 0;
            if (!ok) _result.Fail("other", $"unexpected end: {b.Process}");
        }
    }

    /// <summary>The SIGKILL came after the process had finished on its own (exit 0): no fault was injected.</summary>
    private bool KillMissed(ChildProcess p)
    {
        if (p.ExitCode != 0) return false;
        _result.Faults--;
        return true;
    }

    private void CheckDeliveries()
    {
        foreach (Broadcaster b in _broadcasters)
        {
            int sent = b.Process.StdoutLines.Count(l => l.StartsWith("sent ", StringComparison.Ordinal));
            for (int i = 0; i < sent; i++) _confirmed.Add($"{b.Id} {i}");
            if (sent != b.Count) _uncertain.Add($"{b.Id} {sent}");
        }
        _result.Messages = _confirmed.Count;
        var records = _listeners.Select(l => new ListenerRecord(l.Process.Name, l.Process.StdoutLines, l.Throughout && !l.Killed)).ToList();
        _result.Deliveries = records.Sum(r => (long)r.Messages.Count);
        DeliveryCheck.Run(_result, records[0], records.Skip(1).ToList(), _confirmed, _uncertain);
    }

    private ChildProcess StartPeer(string name, params string[] arguments)
        => Start(name, "dotnet", [typeof(CampaignPeer).Assembly.Location, "peer", .. arguments]);

    private ChildProcess Start(string name, string file, string[] arguments)
    {
        var child = new ChildProcess(file, arguments, name: name);
        lock (_children) _children.Add(child);
        _ipc.AddProcess(child.Pid);
        return child;
    }

    private void Remember(BusKeys keys)
    {
        _buses.Add(keys);
        _ipc.AddKey(keys.SemaphoreKey);
        _ipc.AddKey(keys.SegmentKey);
    }

    /// <summary>Waits for <paramref name="done"/>; a hang if nothing progresses for <paramref name="stall"/> (10 s).</summary>
    private void WaitUntil(Func<bool> done, string what, TimeSpan? stall = null)
    {
        TimeSpan limit = stall ?? Stall;
        long last = Progress();
        var quiet = Stopwatch.StartNew();
        while (!done())
        {
            if (_clock.Elapsed > _options.TrialLimit)
                throw new HangException($"trial exceeded {_options.TrialLimit.TotalSeconds:0} s waiting for {what}; {Describe()}");
            Thread.Sleep(5);
            long now = Progress();
            if (now != last)
            {
                last = now;
                quiet.Restart();
            }
            else if (quiet.Elapsed > limit)
            {
                throw new HangException($"no progress for {limit.TotalSeconds:0} s waiting for {what}; {Describe()}");
            }
        }
    }

    private long Progress()
    {
        long sum = Interlocked.Read(ref _events);
        lock (_children)
            foreach (ChildProcess c in _children) sum += c.Progress;
        return sum;
    }

    private string Describe()
    {
        string semaphores;
        try
        {
            BusSemaphoreValues v = _handle!.GetSemaphoreValues();
            semaphores = $"S={v.S} W={v.W} X={v.X} Q={v.Q} N={v.N}";
        }
        catch (Exception e)
        {
            semaphores = $"semaphores unavailable ({e.Message})";
        }
        return $"{semaphores}; processes: {string.Join("; ", _children.Select(c => c.ToString()))}";
    }

    /// <summary>Kills what is left, removes every bus of the trial, and checks that no IPC object of it remains.</summary>
    private void CleanUp()
    {
        foreach (ChildProcess c in _children) c.Dispose();
        _handle?.Dispose();
        try
        {
            // The scenario's own removal (bus remove, ipcrm) happened already; otherwise the normal one.
            if (!_removedByScenario && File.Exists(_path))
            {
                try
                {
                    Bus.Remove(_path);
                }
                catch (BusException e) when (e is BusKeyFileCorruptException or BusObjectMismatchException)
                {
                    File.Delete(_path); // the garbage of keyfile-replaced
                }
            }
            // A bus whose key file was deleted or replaced (or never removed after a hang): removed through its keys.
            foreach (BusKeys keys in _buses)
            {
                if (_removedByScenario) break; // anything left is a leak: the check below reports it
                if (!IpcTable.Semaphores().Any(s => s.Key == keys.SemaphoreKey) && !IpcTable.Segments().Any(s => s.Key == keys.SegmentKey))
                    continue;
                string restore = Path.Combine(_directory, "restore");
                File.WriteAllText(restore, keys.ToString());
                Bus.Remove(restore);
            }
            if (_removedByScenario && File.Exists(_path)) File.Delete(_path); // ipcrm leaves the key file
        }
        catch (Exception e)
        {
            _result.Fail("other", $"removing the bus: {e.GetType().Name}: {e.Message}");
        }

        string leaked = _ipc.DescribeLeaks();
        if (leaked.Length > 0)
        {
            _result.Fail("leak", leaked);
            ForceRemove();
        }
        try
        {
            if (_directory.Length > 0) Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>After a reported leak or a hang: ipcrm whatever of this trial is left, so the machine stays clean.</summary>
    private void ForceRemove()
    {
        foreach (IpcObject o in _ipc.Leaked())
            ToolResult.Run("ipcrm", [o.IsSegment ? "-m" : "-s", o.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], ToolTimeout);
    }
}

/// <summary>A wait that made no progress: the trial is a hang.</summary>
public sealed class HangException(string message) : Exception(message);
