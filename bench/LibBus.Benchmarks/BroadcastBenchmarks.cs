using System.Text;
using BenchmarkDotNet.Attributes;

namespace LibBus.Benchmarks;

/// <summary>
/// Broadcast with no listener: the library's own cost per message (four semaphore
/// calls and one read, the copy into the segment, validation) with nobody to wait for.
/// </summary>
[MemoryDiagnoser]
public class BroadcastBenchmarks
{
    private BusFixture _fixture = null!;
    private Bus _bus = null!;
    private readonly byte[] _bytes = Encoding.UTF8.GetBytes("4711 volume 40%");
    private readonly BusMessage _message = new("4711 volume 40%");

    [GlobalSetup]
    public void Setup()
    {
        _fixture = new BusFixture();
        _bus = Bus.Open(_fixture.Path, BusAccess.Broadcast);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _bus.Dispose();
        _fixture.Dispose();
    }

    [Benchmark(Baseline = true, Description = "Broadcast(ReadOnlySpan<byte>), no listener")]
    public void BroadcastBytes() => _bus.Broadcast(_bytes);

    [Benchmark(Description = "Broadcast(string), no listener")]
    public void BroadcastString() => _bus.Broadcast("4711 volume 40%");

    [Benchmark(Description = "Broadcast(BusMessage), no listener")]
    public void BroadcastMessage() => _bus.Broadcast(_message);

    [Benchmark(Description = "TryBroadcast(ReadOnlySpan<byte>), no listener")]
    public bool TryBroadcastBytes() => _bus.TryBroadcast(_bytes);
}
