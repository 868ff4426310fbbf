using System.Diagnostics;

namespace LibBus.Campaign;

/// <summary>
/// A child process of a trial with its stdout and stderr lines collected as they
/// come. Every wait has a timeout; <see cref="Dispose"/> continues and kills it.
/// </summary>
public sealed class ChildProcess : IDisposable
{
    public const int SIGKILL = Interop.Libc.SIGKILL, SIGCONT = Interop.Libc.SIGCONT, SIGSTOP = Interop.Libc.SIGSTOP;

    private readonly Process _process;
    private readonly List<string> _stdout = new();
    private readonly List<string> _stderr = new();
    private readonly TaskCompletionSource _outputDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _openStreams = 2;

    public ChildProcess(string name, string file, IEnumerable<string> arguments)
    {
        Name = name;
        ProcessStartInfo info = ToolResult.Redirected(file, arguments);
        CommandLine = $"{file} {string.Join(' ', info.ArgumentList)}";
        _process = new Process { StartInfo = info };
        _process.OutputDataReceived += (_, e) => Collect(e.Data, _stdout);
        _process.ErrorDataReceived += (_, e) => Collect(e.Data, _stderr);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        Pid = _process.Id;
    }

    public string Name { get; }
    public string CommandLine { get; }
    public int Pid { get; }

    /// <summary>Lines and exits seen so far: grows while the child makes progress.</summary>
    public long Progress { get { lock (_stdout) lock (_stderr) return _stdout.Count + _stderr.Count + (_process.HasExited ? 1 : 0); } }

    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;
    public IReadOnlyList<string> StdoutLines { get { lock (_stdout) return _stdout.ToList(); } }
    public int StdoutCount { get { lock (_stdout) return _stdout.Count; } }
    public IReadOnlyList<string> StderrLines { get { lock (_stderr) return _stderr.ToList(); } }
    public bool StderrHas(string line) { lock (_stderr) return _stderr.Contains(line); }

    private void Collect(string? line, List<string> into)
    {
        if (line is null)
        {
            if (Interlocked.Decrement(ref _openStreams) == 0) _outputDone.TrySetResult();
            return;
        }
        lock (into) into.Add(line);
    }

    /// <summary>Writes one line to stdin (the "go" of a campaign peer).</summary>
    public void Go()
    {
        try
        {
            _process.StandardInput.WriteLine("go");
            _process.StandardInput.Flush();
        }
        catch (IOException)
        {
            // Already gone: its exit status will tell.
        }
    }

    /// <summary>Waits for the exit and the end of its output; false on timeout.</summary>
    public bool WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout)) return false;
        _process.WaitForExit();
        return _outputDone.Task.Wait(TimeSpan.FromSeconds(10));
    }

    public void Signal(int signal)
    {
        if (!_process.HasExited) _ = Interop.Libc.Kill(Pid, signal);
    }

    public override string ToString()
    {
        string exit = _process.HasExited ? $"exit {_process.ExitCode}" : "running";
        return $"{Name} [{exit}] stderr: {string.Join(" | ", StderrLines.TakeLast(3))}; stdout {StdoutCount} lines, last: {string.Join(" | ", StdoutLines.TakeLast(3))}";
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _ = Interop.Libc.Kill(Pid, SIGCONT);
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        catch (SystemException)
        {
        }
        _process.Dispose();
    }
}

/// <summary>The outcome of a short external command (bus, ipcrm).</summary>
public sealed record ToolResult(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed)
{
    public string[] StderrLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    public override string ToString() => $"exit {ExitCode} after {Elapsed.TotalMilliseconds:0} ms; stderr [{Stderr.Trim()}]; stdout [{Stdout.Trim()}]";

    /// <summary>A start for <paramref name="file"/> with all three standard streams redirected.</summary>
    internal static ProcessStartInfo Redirected(string file, IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in arguments) info.ArgumentList.Add(a);
        return info;
    }

    /// <summary>Runs <paramref name="file"/> to completion, killing it after <paramref name="timeout"/> (exit -1 then).</summary>
    public static ToolResult Run(string file, IEnumerable<string> arguments, TimeSpan timeout)
    {
        ProcessStartInfo info = Redirected(file, arguments);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
            return new ToolResult(-1, stdout.IsCompleted ? stdout.Result : "", $"did not exit within {timeout.TotalSeconds:0.#} s", clock.Elapsed);
        }
        process.WaitForExit();
        Task.WaitAll([stdout, stderr], TimeSpan.FromSeconds(10));
        return new ToolResult(process.ExitCode, stdout.Result, stderr.Result, clock.Elapsed);
    }
}
