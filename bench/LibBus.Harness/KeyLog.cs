namespace LibBus.Harness;

/// <summary>
/// Records every IPC object the harness makes in $LIBBUS_BENCH_KEYLOG, so that
/// run-all.sh can check that none of them is left (other jobs on the machine make
/// and remove their own, so a plain before/after ipcs diff is not enough).
/// Lines: "sem KEY", "shm KEY" (decimal keys) or "semid ID" (IPC_PRIVATE arrays).
/// </summary>
internal static class KeyLog
{
    internal static void Bus(string keyFile)
    {
        if (Environment.GetEnvironmentVariable("LIBBUS_BENCH_KEYLOG") is not { Length: > 0 } log) return;
        string[] keys = File.ReadAllText(keyFile).Split('\n');
        File.AppendAllText(log, $"sem {keys[0]}\nshm {keys[1]}\n");
    }

    internal static void SemId(int id)
    {
        if (Environment.GetEnvironmentVariable("LIBBUS_BENCH_KEYLOG") is { Length: > 0 } log)
            File.AppendAllText(log, $"semid {id}\n");
    }
}
