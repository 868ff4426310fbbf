using BenchmarkDotNet.Attributes;

namespace LibBus.Benchmarks;

/// <summary>Opening a bus (read the key file, semget, shmget, shmat) and closing it (shmdt).</summary>
[MemoryDiagnoser]
public class OpenCloseBenchmarks
{
    private BusFixture _fixture = null!;

    [GlobalSetup]
    public void Setup() => _fixture = new BusFixture();

    [GlobalCleanup]
    public void Cleanup() => _fixture.Dispose();

    [Benchmark(Baseline = true, Description = "Open + Dispose, listen and broadcast")]
    public void OpenClose() => Bus.Open(_fixture.Path).Dispose();

    [Benchmark(Description = "Open + Dispose, listen only (read-only attach)")]
    public void OpenCloseListen() => Bus.Open(_fixture.Path, BusAccess.Listen).Dispose();
}
