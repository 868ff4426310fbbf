namespace BusCli.Tests.Infrastructure;

/// <summary>
/// A test's temporary directory and the processes it started. Dispose kills the
/// processes, removes every bus whose key file is in the directory, deletes it, and
/// fails the test if an IPC object of the test is left behind (see <see cref="IpcScope"/>:
/// objects other programs make meanwhile are not the test's).
/// </summary>
public sealed class CliSandbox : IDisposable
{
    private readonly IpcScope _ipc = new();
    private readonly List<CliProcess> _processes = new();

    public CliSandbox()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("buscli-test-").FullName;
    }

    public string Directory { get; }

    public string PathFor(string name) => System.IO.Path.Combine(Directory, name);

    /// <summary>Runs <c>bus create -x</c> for a fresh bus in the sandbox and returns its path.</summary>
    public string CreateBus(string name = "bus")
    {
        string path = PathFor(name);
        RunResult result = Run("create", "-x", path);
        Assert.True(result.ExitCode == 0, result.ToString());
        RememberKeys(path);
        return path;
    }

    public void RememberKeys(string path)
    {
        if (!_ipc.AddKeyFile(path)) throw new InvalidOperationException($"{path}: not a key file");
    }

    public CliProcess Start(params string[] arguments) => Track(CliProcess.Bus(arguments, Directory, null));

    public CliProcess Start(IEnumerable<string> arguments, IDictionary<string, string>? environment)
        => Track(CliProcess.Bus(arguments, Directory, environment));

    /// <summary>Starts the bus command in a process group of its own (see <see cref="CliProcess.BusAsJob"/>).</summary>
    public CliProcess StartAsJob(params string[] arguments) => Track(CliProcess.BusAsJob(arguments, Directory));

    public CliProcess Shell(string script) => Track(CliProcess.Shell(script, Directory));

    /// <summary>Runs the bus command to completion (with a timeout) and returns the result.</summary>
    public RunResult Run(params string[] arguments)
    {
        using CliProcess process = Start(arguments);
        process.Stdin.Close();
        return process.WaitForExit();
    }

    /// <summary>Runs the bus command with <paramref name="stdin"/> as its standard input.</summary>
    public RunResult RunWithInput(string stdin, params string[] arguments)
    {
        using CliProcess process = Start(arguments);
        process.Stdin.Write(stdin);
        process.Stdin.Close();
        return process.WaitForExit();
    }

    private CliProcess Track(CliProcess process)
    {
        lock (_processes) _processes.Add(process);
        _ipc.AddProcess(process.Id);
        return process;
    }

    /// <summary>Reads S W X Q N of a bus (through LibBus).</summary>
    public static LibBus.BusSemaphoreValues SemaphoreValues(string path)
    {
        using var bus = LibBus.Bus.Open(path, LibBus.BusAccess.Listen);
        return bus.GetSemaphoreValues();
    }

    /// <summary>Waits until no listener is counted on the bus (S = 0, W = 0).</summary>
    public static void WaitUntilNoListeners(string path)
    {
        var values = SemaphoreValues(path);
        Eventually.True(() => (values = SemaphoreValues(path)) is { S: 0, W: 0 }, () => $"no listener counted; still S={values.S} W={values.W}");
    }

    public void Dispose()
    {
        foreach (CliProcess process in _processes) process.Dispose();
        foreach (string file in System.IO.Directory.EnumerateFiles(Directory, "*", SearchOption.AllDirectories))
        {
            if (Mono.Unix.Native.Syscall.lstat(file, out var stat) != 0
                || (stat.st_mode & Mono.Unix.Native.FilePermissions.S_IFMT) != Mono.Unix.Native.FilePermissions.S_IFREG)
                continue;
            try
            {
                _ipc.AddKeyFile(file);
                LibBus.Bus.Remove(file);
            }
            catch (Exception)
            {
                // Not a bus (a FIFO, an output file) or already gone.
            }
        }
        System.IO.Directory.Delete(Directory, recursive: true);
        string leaked = _ipc.DescribeLeaks();
        Assert.True(leaked.Length == 0, leaked);
    }
}
