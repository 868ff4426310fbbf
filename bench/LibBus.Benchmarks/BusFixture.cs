namespace LibBus.Benchmarks;

/// <summary>A bus in a private temporary directory, removed (IPC objects too) on dispose.</summary>
internal sealed class BusFixture : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("libbus-bdn.").FullName;

    internal BusFixture()
    {
        Path = Bus.Create(System.IO.Path.Combine(_directory, "bus"));
        // Recorded for bench/run-all.sh's check that nothing is left behind.
        if (Environment.GetEnvironmentVariable("LIBBUS_BENCH_KEYLOG") is { Length: > 0 } log)
        {
            string[] keys = File.ReadAllText(Path).Split('\n');
            File.AppendAllText(log, $"sem {keys[0]}\nshm {keys[1]}\n");
        }
    }

    internal string Path { get; }

    public void Dispose()
    {
        Bus.Remove(Path);
        Directory.Delete(_directory, recursive: true);
    }
}
