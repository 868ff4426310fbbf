using System.Collections.Concurrent;
using System.Diagnostics;

namespace LibBus.Tests.Infrastructure;

/// <summary>
/// A child process (test peer, C peer, shell) whose stdout and stderr lines are
/// collected as they come. Every wait has a timeout; disposing kills it.
/// </summary>
public sealed class Peer : IDisposable
{
    private readonly Process _process;
    private readonly BlockingCollection<string> _stdout = new();
    private readonly BlockingCollection<string> _stderr = new();
    private readonly List<string> _allStdout = new();
    private readonly List<string> _allStderr = new();

    public Peer(string fileName, IEnumerable<string> arguments, bool redirectStdin = false)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectStdin,
            UseShellExecute = false,
        };
        foreach (string a in arguments) info.ArgumentList.Add(a);
        _process = new Process { StartInfo = info };
        _process.OutputDataReceived += (_, e) => Collect(e.Data, _stdout, _allStdout);
        _process.ErrorDataReceived += (_, e) => Collect(e.Data, _stderr, _allStderr);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        Name = $"{System.IO.Path.GetFileName(fileName)} {string.Join(' ', info.ArgumentList)}";
    }

    private static void Collect(string? line, BlockingCollection<string> queue, List<string> all)
    {
        if (line is null) { queue.CompleteAdding(); return; }
        lock (all) all.Add(line);
        queue.Add(line);
    }

    public string Name { get; }
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;
    public StreamWriter Stdin => _process.StandardInput;

    /// <summary>The LibBus test peer (tests/LibBus.TestPeer).</summary>
    public static Peer Dotnet(params string[] arguments)
        => new("dotnet", [Path.Combine(AppContext.BaseDirectory, "LibBus.TestPeer.dll"), .. arguments], redirectStdin: arguments[0] == "broadcast-lines");

    /// <summary>The C reference peer (tests/LibBus.Tests/Peers/cpeer.c).</summary>
    public static Peer C(params string[] arguments) => new(CPeer.Path, arguments);

    /// <summary>Waits for the next stdout line.</summary>
    public string ReadLine(TimeSpan timeout) => Take(_stdout, timeout, "stdout");

    /// <summary>Waits for the next stderr line.</summary>
    public string ReadErrorLine(TimeSpan timeout) => Take(_stderr, timeout, "stderr");

    /// <summary>Waits for the "ready" line on stderr that peers print once joined.</summary>
    public void WaitReady(TimeSpan? timeout = null)
    {
        string line = ReadErrorLine(timeout ?? TimeSpan.FromSeconds(20));
        if (line != "ready") throw new Xunit.Sdk.XunitException($"{Name}: expected 'ready' on stderr, got '{line}'");
    }

    private string Take(BlockingCollection<string> queue, TimeSpan timeout, string stream)
    {
        try
        {
            if (queue.TryTake(out string? line, timeout)) return line;
        }
        catch (InvalidOperationException)
        {
            // Completed: the stream closed.
        }
        throw new Xunit.Sdk.XunitException($"{Name}: no line on {stream} within {timeout.TotalSeconds:0.#} s{Describe()}");
    }

    /// <summary>Waits for the process to exit; kills it and fails on timeout. Returns the exit code.</summary>
    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            Kill();
            throw new Xunit.Sdk.XunitException($"{Name}: did not exit within {timeout.TotalSeconds:0.#} s{Describe()}");
        }
        _process.WaitForExit(); // drain the output readers
        return _process.ExitCode;
    }

    /// <summary>All stdout lines so far (after exit: all of them).</summary>
    public IReadOnlyList<string> StdoutLines { get { lock (_allStdout) return _allStdout.ToList(); } }

    /// <summary>How many stdout lines have come so far.</summary>
    public int StdoutCount { get { lock (_allStdout) return _allStdout.Count; } }

    /// <summary>All stderr text so far.</summary>
    public string StderrText { get { lock (_allStderr) return string.Join('\n', _allStderr); } }

    public void Signal(int signal)
    {
        if (Interop.Libc.Kill(_process.Id, signal) != 0)
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed");
    }

    public void Kill()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException) { }
    }

    private string Describe() => $"\n  stderr: {StderrText}\n  stdout ({StdoutLines.Count} lines): {string.Join(" | ", StdoutLines.TakeLast(5))}";

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
