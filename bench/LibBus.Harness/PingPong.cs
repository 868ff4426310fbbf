using System.Diagnostics;
using System.Globalization;

namespace LibBus.Harness;

/// <summary>
/// The floor: two processes bounce a token over a private two-semaphore array
/// (<c>V(a); P(b)</c> against <c>P(a); V(b)</c>). One round trip is the least work
/// any "send, then wait until the other side has it" design must do.
/// </summary>
internal static class PingPong
{
    private const int Warmup = 2000;

    internal static int Run(Options o)
    {
        long rounds = o.GetInt("rounds");
        int semid = Interop.Libc.SemGet(Interop.Libc.IPC_PRIVATE, 2, Interop.Libc.IPC_CREAT | 0x180);
        if (semid < 0) throw new InvalidOperationException("semget failed");
        KeyLog.SemId(semid);
        Process? child = null;
        // Watchdog: removing the array fails every wait with EIDRM, so nothing can hang.
        using var watchdog = new Timer(_ =>
        {
            Console.Error.WriteLine("harness: ping-pong watchdog fired");
            Interop.Libc.SemCtl(semid, 0, Interop.Libc.IPC_RMID);
        }, null, TimeSpan.FromSeconds(o.GetInt("timeout", 60)), Timeout.InfiniteTimeSpan);
        try
        {
            child = Process.Start(new ProcessStartInfo(Environment.ProcessPath!, ["pingpong-child", $"{semid}", $"{rounds}"])
            {
                UseShellExecute = false,
            })!;
            for (int i = 0; i < Warmup; i++) Round(semid);
            long start = Stopwatch.GetTimestamp();
            for (long i = 0; i < rounds; i++) Round(semid);
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            if (!child.WaitForExit(10_000) || child.ExitCode != 0) throw new InvalidOperationException("ping-pong child failed");
            string line = string.Create(CultureInfo.InvariantCulture,
                $"PINGPONG impl=csharp rounds={rounds} secs={seconds:0.000000} round_trips_per_s={rounds / seconds:0}");
            Console.WriteLine(line);
            if (o.GetOrNull("out") is { } file) File.AppendAllText(file, line + "\n");
            return 0;
        }
        finally
        {
            Interop.Libc.SemCtl(semid, 0, Interop.Libc.IPC_RMID);
            if (child is { HasExited: false })
            {
                child.Kill();
                child.WaitForExit(5000);
            }
            child?.Dispose();
        }
    }

    private static void Round(int semid)
    {
        Native.Op(semid, 0, 1);
        Native.Op(semid, 1, -1);
    }

    internal static int Child(int semid, long rounds)
    {
        for (long i = 0; i < rounds + Warmup; i++)
        {
            Native.Op(semid, 0, -1);
            Native.Op(semid, 1, 1);
        }
        return 0;
    }
}
