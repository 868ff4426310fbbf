using System.Diagnostics;
using System.Text;

namespace BusCli.Tests.Infrastructure;

/// <summary>Where the <c>bus</c> executable under test is, and how to run it.</summary>
public static class BusCommand
{
    /// <summary>The repository root (the directory holding src/BusCli).</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>
    /// The executable: <c>$BUS_CLI</c> if set (for example the Native AOT build), else the
    /// framework-dependent apphost that the project reference built, same configuration.
    /// </summary>
    public static string Path { get; } = Environment.GetEnvironmentVariable("BUS_CLI") is { Length: > 0 } path
        ? System.IO.Path.GetFullPath(path)
        : System.IO.Path.Combine(RepoRoot, "src", "BusCli", "bin", Configuration, "net10.0", "bus");

    /// <summary>True if <see cref="Path"/> is a Native AOT binary (no bus.dll beside it for a runtime to load).</summary>
    public static bool IsNativeAot { get; } = !File.Exists(System.IO.Path.ChangeExtension(Path, ".dll"));

    /// <summary>The Native AOT build of <c>dotnet publish src/BusCli -c Release -r linux-x64</c>.</summary>
    public static string AotPath { get; } = System.IO.Path.Combine(
        RepoRoot, "src", "BusCli", "bin", "Release", "net10.0", "linux-x64", "publish", "bus");

#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "src", "BusCli", "BusCli.csproj"))) return dir.FullName;
        throw new InvalidOperationException("cannot find the repository root (src/BusCli) above " + AppContext.BaseDirectory);
    }
}

/// <summary>The outcome of a finished run.</summary>
public sealed record RunResult(int ExitCode, string Stdout, string Stderr)
{
    public string[] StdoutLines => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    public override string ToString() => $"exit {ExitCode}; stdout [{Stdout}]; stderr [{Stderr}]";
}

/// <summary>
/// A running process (the bus command, or <c>sh -c</c> around it) with stdout and stderr
/// captured. Every wait has a timeout; Dispose kills whatever is left.
/// </summary>
public sealed class CliProcess : IDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);

    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Task _stdoutDone;
    private readonly Task _stderrDone;
    private readonly SemaphoreSlim _changed = new(0);

    private CliProcess(string file, IEnumerable<string> arguments, string? workingDirectory, IDictionary<string, string>? environment)
    {
        var info = new ProcessStartInfo(file)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (string argument in arguments) info.ArgumentList.Add(argument);
        if (environment is not null)
            foreach (var (key, value) in environment) info.Environment[key] = value;
        _process = Process.Start(info)!;
        _stdoutDone = Pump(_process.StandardOutput, _stdout);
        _stderrDone = Pump(_process.StandardError, _stderr);
    }

    public static CliProcess Bus(params string[] arguments) => Bus(arguments, null, null);

    public static CliProcess Bus(IEnumerable<string> arguments, string? workingDirectory, IDictionary<string, string>? environment)
        => new(BusCommand.Path, arguments, workingDirectory, environment);

    /// <summary>
    /// The bus command in a process group of its own, as an interactive shell runs a job, so
    /// that job-control signals act on it as they do at a terminal. The kernel discards SIGTSTP
    /// sent to an orphaned process group, which the test host's group is when the suite runs in
    /// the background of a shell that has since exited; the new group's parent, the test host,
    /// stays in the same session, so this group is never orphaned. The pid is the bus command's:
    /// perl sets the group and execs it.
    /// </summary>
    public static CliProcess BusAsJob(IEnumerable<string> arguments, string? workingDirectory)
        => new("/usr/bin/perl", ["-e", "setpgrp(0, 0); exec { $ARGV[0] } @ARGV or die \"exec $ARGV[0]: $!\\n\"", BusCommand.Path, .. arguments],
            workingDirectory, null);

    /// <summary><c>sh -c SCRIPT</c> with <c>$BUS</c> set to the executable under test.</summary>
    public static CliProcess Shell(string script, string? workingDirectory = null)
        => new("/bin/sh", ["-c", script], workingDirectory, new Dictionary<string, string> { ["BUS"] = BusCommand.Path });

    public int Id => _process.Id;
    public StreamWriter Stdin => _process.StandardInput;

    public string Stdout { get { lock (_stdout) return _stdout.ToString(); } }
    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }

    private Task Pump(StreamReader reader, StringBuilder into) => Task.Run(async () =>
    {
        char[] buffer = new char[4096];
        int n;
        while ((n = await reader.ReadAsync(buffer)) > 0)
        {
            lock (into) into.Append(buffer, 0, n);
            _changed.Release();
        }
        _changed.Release();
    });

    /// <summary>Waits until <paramref name="condition"/> holds of (stdout, stderr); fails on timeout.</summary>
    public void WaitFor(Func<string, string, bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (!condition(Stdout, Stderr))
        {
            TimeSpan left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
                throw new TimeoutException($"timed out waiting for {what}; stdout [{Stdout}] stderr [{Stderr}] exited {_process.HasExited}");
            _changed.Wait(left < TimeSpan.FromMilliseconds(100) ? left : TimeSpan.FromMilliseconds(100));
        }
    }

    /// <summary>Waits for the <c>--ready</c> line on stderr.</summary>
    public void WaitUntilListening() => WaitFor((_, err) => err.Contains(": listening"), "the readiness line");

    public int WaitForLines(int count) 
    {
        WaitFor((o, _) => o.Count(c => c == '\n') >= count, $"{count} lines on stdout");
        return count;
    }

    /// <summary>Waits for exit (failing on timeout) and returns the result, all output read.</summary>
    public RunResult WaitForExit(TimeSpan? timeout = null)
    {
        if (!_process.WaitForExit(timeout ?? DefaultTimeout))
            throw new TimeoutException($"process {_process.Id} did not exit; stdout [{Stdout}] stderr [{Stderr}]");
        _process.WaitForExit();
        Task.WaitAll([_stdoutDone, _stderrDone], TimeSpan.FromSeconds(5));
        return new RunResult(_process.ExitCode, Stdout, Stderr);
    }

    public bool HasExited => _process.HasExited;

    public void Signal(int signal) => Proc.Kill(_process.Id, signal);

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                Proc.Kill(_process.Id, Proc.SIGCONT);
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }
}
