using LibBus;

namespace LibBus.TestSupport;

/// <summary>Signals and the process table, for tests that look at processes (kill, /proc).</summary>
public static class Proc
{
    public const int SIGHUP = Interop.Libc.SIGHUP, SIGINT = Interop.Libc.SIGINT, SIGKILL = Interop.Libc.SIGKILL,
        SIGTERM = Interop.Libc.SIGTERM, SIGCONT = Interop.Libc.SIGCONT, SIGSTOP = Interop.Libc.SIGSTOP, SIGTSTP = Interop.Libc.SIGTSTP;

    /// <summary>kill, through LibBus's own Interop.Kill.cs.</summary>
    public static void Kill(int pid, int signal)
    {
        if (Interop.Libc.Kill(pid, signal) != 0)
            throw new InvalidOperationException($"kill({pid}, {signal}): {Interop.Errors.Text(Interop.Errors.LastErrno)}");
    }

    /// <summary>A FIFO (mode 0600), made by coreutils' mkfifo as the library tests do: the product never makes one.</summary>
    public static void Mkfifo(string path)
    {
        RunResult result = ChildProcess.Run("mkfifo", ["-m", "600", path], TimeSpan.FromSeconds(30));
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"mkfifo {path}: {result.Stderr.Trim()}");
    }

    /// <summary>The state letter of a process from /proc (R, S, T, Z, ...), or null if gone.</summary>
    public static char? State(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[stat.LastIndexOf(')') + 2];
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>The pids whose parent is <paramref name="parent"/>, with their state.</summary>
    public static List<(int Pid, char State)> Children(int parent)
    {
        var children = new List<(int, char)>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(System.IO.Path.GetFileName(dir), out int pid)) continue;
            try
            {
                string stat = File.ReadAllText($"/proc/{pid}/stat");
                string[] after = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(after[1]) == parent) children.Add((pid, after[0][0]));
            }
            catch (IOException)
            {
            }
        }
        return children;
    }
}
