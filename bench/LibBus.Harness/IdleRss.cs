using System.Diagnostics;
using System.Globalization;

namespace LibBus.Harness;

/// <summary>Resident memory of an idle <c>bus listen</c>: joined, no traffic, for a few seconds.</summary>
internal static class IdleRss
{
    internal static int Run(Options o)
    {
        string busExe = o.Get("bus-exe");
        string dir = Directory.CreateTempSubdirectory("libbus-bench.").FullName;
        string path = Bus.Create(Path.Combine(dir, "bus"));
        KeyLog.Bus(path);
        Process? listener = null;
        try
        {
            listener = Process.Start(new ProcessStartInfo(busExe, ["listen", "--ready", path])
            {
                UseShellExecute = false,
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            })!;
            Task<string?> ready = listener.StandardError.ReadLineAsync();
            if (!ready.Wait(TimeSpan.FromSeconds(20)) || ready.Result?.Contains("listening", StringComparison.Ordinal) != true)
                throw new InvalidOperationException($"bus listen did not report listening: {(ready.IsCompleted ? ready.Result : "timeout")}");
            Thread.Sleep(TimeSpan.FromSeconds(o.GetInt("idle", 3)));
            long rss = Status(listener.Id, "VmRSS:"), hwm = Status(listener.Id, "VmHWM:");
            Interop.Libc.Kill(listener.Id, Interop.Libc.SIGTERM);
            bool exited = listener.WaitForExit(10_000);
            string line = string.Create(CultureInfo.InvariantCulture,
                $"IDLE_RSS exe={busExe} rss_kib={rss} hwm_kib={hwm} rss_mib={rss / 1024.0:0.0} clean_exit_on_sigterm={exited}");
            Console.WriteLine(line);
            if (o.GetOrNull("out") is { } file) File.AppendAllText(file, line + "\n");
            return exited ? 0 : 1;
        }
        finally
        {
            if (listener is { HasExited: false })
            {
                listener.Kill();
                listener.WaitForExit(5000);
            }
            listener?.Dispose();
            Bus.Remove(path);
            Directory.Delete(dir, recursive: true);
        }
    }

    private static long Status(int pid, string field)
    {
        foreach (string line in File.ReadLines($"/proc/{pid}/status"))
            if (line.StartsWith(field, StringComparison.Ordinal))
                return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        return -1;
    }
}
