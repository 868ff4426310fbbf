using System.Runtime.InteropServices;

namespace BusCli.Tests.Infrastructure;

public static partial class Proc
{
    public const int SIGHUP = 1, SIGINT = 2, SIGKILL = 9, SIGTERM = 15, SIGCONT = 18, SIGSTOP = 19, SIGTSTP = 20;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int KillNative(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "mkfifo", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MkfifoNative(string path, uint mode);

    public static void Kill(int pid, int signal)
    {
        if (KillNative(pid, signal) != 0)
            throw new InvalidOperationException($"kill({pid}, {signal}): errno {Marshal.GetLastPInvokeError()}");
    }

    public static void Mkfifo(string path)
    {
        if (MkfifoNative(path, 0x180) != 0)
            throw new InvalidOperationException($"mkfifo({path}): errno {Marshal.GetLastPInvokeError()}");
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
