using System.Diagnostics;
using System.Text;
using LibBus;

namespace LibBus.TestSupport;

/// <summary>
/// A process a test (or a campaign trial) starts: the one wrapper every test project uses,
/// directly or through <see cref="CliProcess"/> and LibBus.Tests' <c>Peer</c>.
/// <list type="bullet">
/// <item>It runs in a process group of its own, as an interactive shell runs a job: perl sets
/// the group and execs the program, so <see cref="Pid"/> is the program's and the group's id.
/// The group's parent, the test host, stays in the same session, so the group is never
/// orphaned and job-control signals (SIGTSTP) act on it as they do at a terminal. SIGINT and
/// SIGQUIT start at their defaults, as in a terminal's job, even when the test run itself was
/// started in the background of a script, which ignores them (the signal tests then failed).</item>
/// <item>stdout and stderr are captured as they come, as text and as lines; stdin is a pipe
/// (<see cref="Stdin"/>) unless the caller leaves it inherited.</item>
/// <item>Every wait has a timeout and fails the test (<c>XunitException</c>) when it passes,
/// naming the process and what it wrote; <see cref="TryWaitForExit"/> only says false.</item>
/// <item><see cref="Dispose"/> kills the whole process group, also after the program itself
/// has exited: whatever a shell or a bus command started and left running (orphaned to init,
/// it would loop on) dies with it; and any descendant that left the group, while the
/// program still runs.</item>
/// </list>
/// </summary>
public class ChildProcess : IDisposable
{
    /// <summary>How long a wait lasts unless the caller says otherwise.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);

    private const string Perl = "/usr/bin/perl";
    private const string Launcher = "setpgrp(0, 0); $SIG{INT} = $SIG{QUIT} = 'DEFAULT'; exec { $ARGV[0] } @ARGV or die \"exec $ARGV[0]: $!\\n\"";

    private readonly Process _process;
    private readonly object _gate = new();
    private readonly Output _stdout = new();
    private readonly Output _stderr = new();
    private readonly Task _stdoutDone;
    private readonly Task _stderrDone;
    private readonly ulong? _startTime;
    private long _version;
    private int _stdoutTaken;
    private int _stderrTaken;
    private bool _disposed;

    /// <param name="file">The program: a path, or a name looked up in PATH (it must exist: a missing one throws here).</param>
    /// <param name="arguments">Its arguments.</param>
    /// <param name="workingDirectory">Where it runs; the test host's current directory if null.</param>
    /// <param name="environment">Variables to set or override in the test host's environment.</param>
    /// <param name="name">What failure messages call it; the program's file name and arguments if null.</param>
    /// <param name="redirectStdin">A pipe for stdin (<see cref="Stdin"/>); false: the test host's own stdin.</param>
    public ChildProcess(string file, IEnumerable<string> arguments, string? workingDirectory = null,
        IDictionary<string, string>? environment = null, string? name = null, bool redirectStdin = true)
    {
        string[] args = [.. arguments];
        var info = new ProcessStartInfo(Perl)
        {
            UseShellExecute = false,
            RedirectStandardInput = redirectStdin,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        info.ArgumentList.Add("-e");
        info.ArgumentList.Add(Launcher);
        info.ArgumentList.Add(Resolve(file));
        foreach (string argument in args) info.ArgumentList.Add(argument);
        if (environment is not null)
            foreach (var (key, value) in environment) info.Environment[key] = value;
        CommandLine = $"{file} {string.Join(' ', args)}";
        Name = name ?? $"{System.IO.Path.GetFileName(file)} {string.Join(' ', args)}";
        _process = new Process { StartInfo = info, EnableRaisingEvents = true };
        _process.Exited += (_, _) => Changed();
        _process.Start();
        Pid = _process.Id;
        _startTime = StartTime(Pid);
        _stdoutDone = Pump(_process.StandardOutput, _stdout);
        _stderrDone = Pump(_process.StandardError, _stderr);
    }

    /// <summary>What failure messages call it.</summary>
    public string Name { get; }

    /// <summary>The program and its arguments, as given.</summary>
    public string CommandLine { get; }

    /// <summary>The program's pid, which is also its process group's id.</summary>
    public int Pid { get; }

    /// <summary>The same as <see cref="Pid"/>.</summary>
    public int Id => Pid;

    public bool HasExited => _process.HasExited;

    /// <summary>The exit status once exited (128 + N after signal N).</summary>
    public int ExitCode => _process.ExitCode;

    public StreamWriter Stdin => _process.StandardInput;

    /// <summary>All of stdout so far, as written.</summary>
    public string Stdout { get { lock (_gate) return _stdout.Text.ToString(); } }

    /// <summary>All of stderr so far, as written.</summary>
    public string Stderr { get { lock (_gate) return _stderr.Text.ToString(); } }

    /// <summary>The complete stdout lines so far (after the end of output: all of them).</summary>
    public IReadOnlyList<string> StdoutLines { get { lock (_gate) return _stdout.Lines.ToList(); } }

    /// <summary>How many complete stdout lines have come so far.</summary>
    public int StdoutCount { get { lock (_gate) return _stdout.Lines.Count; } }

    /// <summary>The complete stderr lines so far.</summary>
    public IReadOnlyList<string> StderrLines { get { lock (_gate) return _stderr.Lines.ToList(); } }

    /// <summary>The stderr lines so far, joined by newlines.</summary>
    public string StderrText { get { lock (_gate) return string.Join('\n', _stderr.Lines); } }

    public bool StderrHas(string line) { lock (_gate) return _stderr.Lines.Contains(line); }

    /// <summary>Lines and exits seen so far: grows while the process makes progress.</summary>
    public long Progress
    {
        get
        {
            // HasExited outside _gate: Process raises Exited (whose handler, Changed, takes _gate)
            // while holding its own lock, which HasExited also takes. Asked under _gate, the two
            // deadlocked (a campaign trial hung in CI until stopped).
            bool exited = _process.HasExited;
            lock (_gate) return _stdout.Lines.Count + _stderr.Lines.Count + (exited ? 1 : 0);
        }
    }

    /// <summary>Waits for the next stdout line not read yet; fails on timeout or when stdout ends.</summary>
    public string ReadLine(TimeSpan timeout) => TakeLine(stdout: true, timeout);

    /// <summary>Waits for the next stderr line not read yet; fails on timeout or when stderr ends.</summary>
    public string ReadErrorLine(TimeSpan timeout) => TakeLine(stdout: false, timeout);

    /// <summary>Waits for the "ready" line on stderr that test peers print once joined.</summary>
    public void WaitReady(TimeSpan? timeout = null)
    {
        string line = ReadErrorLine(timeout ?? DefaultTimeout);
        if (line != "ready") throw new Xunit.Sdk.XunitException($"{Name}: expected 'ready' on stderr, got '{line}'");
    }

    /// <summary>Waits until <paramref name="condition"/> holds of (stdout, stderr); fails on timeout.</summary>
    public void WaitFor(Func<string, string, bool> condition, string what, TimeSpan? timeout = null)
    {
        if (!WaitUntil(() => condition(Stdout, Stderr), timeout ?? DefaultTimeout))
            throw new Xunit.Sdk.XunitException($"{Name}: timed out waiting for {what}; stdout [{Stdout}] stderr [{Stderr}] exited {HasExited}");
    }

    /// <summary>
    /// Waits for the exit, then for the end of its output (at most 5 s more: a process it left
    /// running may hold the pipes open); false if it did not exit within <paramref name="timeout"/>.
    /// </summary>
    public bool TryWaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout)) return false;
        _process.WaitForExit(); // the exit status and the Exited event
        Task.WaitAll([_stdoutDone, _stderrDone], TimeSpan.FromSeconds(5));
        return true;
    }

    /// <summary>
    /// Waits for the exit and the end of its output and returns the exit status; on timeout
    /// kills the process group and fails, with what it wrote.
    /// </summary>
    public int WaitForExit(TimeSpan? timeout = null)
    {
        TimeSpan limit = timeout ?? DefaultTimeout;
        if (!TryWaitForExit(limit))
        {
            string output = Describe();
            Kill();
            throw new Xunit.Sdk.XunitException($"{Name}: did not exit within {limit.TotalSeconds:0.#} s{output}");
        }
        return _process.ExitCode;
    }

    /// <summary>Sends <paramref name="signal"/> to the process (not its group); fails if kill does.</summary>
    public void Signal(int signal) => Proc.Kill(Pid, signal);

    /// <summary>Sends <paramref name="signal"/> to the process unless it has exited; ignores failure.</summary>
    public void TrySignal(int signal)
    {
        if (!_process.HasExited) _ = Interop.Libc.Kill(Pid, signal);
    }

    /// <summary>
    /// Kills the process group (SIGKILL), and while the program still runs any descendant that
    /// left the group, then waits (bounded) for the program's end. Safe to call again.
    /// </summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
        catch (System.ComponentModel.Win32Exception)
        {
        }
        KillGroup();
        try
        {
            _process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
        }
    }

    /// <summary>
    /// SIGKILL to the process group, unless its id now names another process's group: a group
    /// id is the pid of its first process, which the kernel hands out again once the group and
    /// that process are gone (pid_max may be as low as 32768). While any member lives the id is
    /// taken, so a group whose leader is not there, or is the process this wrapper started
    /// (same start time), is ours.
    /// </summary>
    private void KillGroup()
    {
        ulong? now = StartTime(Pid);
        if (now is not null && now != _startTime) return;
        _ = Interop.Libc.Kill(-Pid, Proc.SIGKILL);
    }

    /// <summary>The start time (clock ticks after boot) of <paramref name="pid"/> from /proc, or null if it is gone.</summary>
    private static ulong? StartTime(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return ulong.Parse(fields[19], System.Globalization.CultureInfo.InvariantCulture); // field 22, starttime
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>Its name, exit status or "running", and the last lines it wrote (for failure messages).</summary>
    public override string ToString()
    {
        string exit = _process.HasExited ? $"exit {_process.ExitCode}" : "running";
        IReadOnlyList<string> stdout = StdoutLines;
        return $"{Name} [{exit}] stderr: {string.Join(" | ", StderrLines.TakeLast(3))}; stdout {stdout.Count} lines, last: {string.Join(" | ", stdout.TakeLast(3))}";
    }

    /// <summary>stderr and the last stdout lines, on lines of their own after a failure message.</summary>
    public string Describe()
    {
        IReadOnlyList<string> stdout = StdoutLines;
        return $"\n  stderr: {StderrText}\n  stdout ({stdout.Count} lines): {string.Join(" | ", stdout.TakeLast(5))}";
    }

    /// <summary>Kills the process group (see <see cref="Kill"/>) and releases the process.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Kill();
        _process.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Runs <paramref name="file"/> to completion with stdin closed; on timeout kills its group
    /// and returns exit -1 with a stderr that says so.
    /// </summary>
    public static RunResult Run(string file, IEnumerable<string> arguments, TimeSpan timeout, string? workingDirectory = null)
    {
        using var process = new ChildProcess(file, arguments, workingDirectory);
        process.Stdin.Close();
        if (!process.TryWaitForExit(timeout))
        {
            process.Kill();
            return new RunResult(-1, process.Stdout, $"did not exit within {timeout.TotalSeconds:0.#} s");
        }
        return new RunResult(process.ExitCode, process.Stdout, process.Stderr);
    }

    /// <summary>Waits until <paramref name="condition"/> holds, waking on output and exit; false on timeout.</summary>
    protected bool WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            long seen;
            lock (_gate) seen = _version;
            if (condition()) return true;
            TimeSpan left = timeout - clock.Elapsed;
            if (left <= TimeSpan.Zero) return false;
            // Bounded: a condition may look at more than this process (files, other processes).
            lock (_gate)
                if (_version == seen) Monitor.Wait(_gate, left < TimeSpan.FromMilliseconds(100) ? left : TimeSpan.FromMilliseconds(100));
        }
    }

    private void Changed()
    {
        lock (_gate)
        {
            _version++;
            Monitor.PulseAll(_gate);
        }
    }

    private string TakeLine(bool stdout, TimeSpan timeout)
    {
        Output output = stdout ? _stdout : _stderr;
        string? line = null;
        WaitUntil(() =>
        {
            lock (_gate)
            {
                ref int taken = ref stdout ? ref _stdoutTaken : ref _stderrTaken;
                if (taken < output.Lines.Count)
                {
                    line = output.Lines[taken++];
                    return true;
                }
                return output.Ended;
            }
        }, timeout);
        return line ?? throw new Xunit.Sdk.XunitException($"{Name}: no line on {(stdout ? "stdout" : "stderr")} within {timeout.TotalSeconds:0.#} s{Describe()}");
    }

    private Task Pump(StreamReader reader, Output into) => Task.Run(async () =>
    {
        char[] buffer = new char[4096];
        try
        {
            int n;
            while ((n = await reader.ReadAsync(buffer)) > 0)
            {
                lock (_gate) into.Append(buffer.AsSpan(0, n));
                Changed();
            }
        }
        catch (IOException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        lock (_gate) into.End();
        Changed();
    });

    /// <summary>$PATH lookup as execvp does it, so that a missing program fails at the start, as Process.Start does.</summary>
    private static string Resolve(string file)
    {
        if (file.Contains('/')) return file;
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = System.IO.Path.Combine(dir, file);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException($"{file}: not found in PATH", file);
    }

    /// <summary>One captured stream: all its text, and its lines (a last line without a newline counts at the end).</summary>
    private sealed class Output
    {
        private readonly StringBuilder _partial = new();

        public StringBuilder Text { get; } = new();
        public List<string> Lines { get; } = new();
        public bool Ended { get; private set; }

        public void Append(ReadOnlySpan<char> chunk)
        {
            Text.Append(chunk);
            int newline;
            while ((newline = chunk.IndexOf('\n')) >= 0)
            {
                _partial.Append(chunk[..newline]);
                AddLine();
                chunk = chunk[(newline + 1)..];
            }
            _partial.Append(chunk);
        }

        public void End()
        {
            if (_partial.Length > 0) AddLine();
            Ended = true;
        }

        private void AddLine()
        {
            if (_partial.Length > 0 && _partial[^1] == '\r') _partial.Length--;
            Lines.Add(_partial.ToString());
            _partial.Clear();
        }
    }
}
