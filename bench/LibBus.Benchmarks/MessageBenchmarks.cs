using System.Text;
using BenchmarkDotNet.Attributes;

namespace LibBus.Benchmarks;

/// <summary>Message encode (validate + UTF-8) and decode (text, pid convention).</summary>
[MemoryDiagnoser]
public class MessageBenchmarks
{
    private const string Short = "4711 volume 40%";
    private static readonly string Long = "4711 " + new string('x', 2000);
    private readonly byte[] _shortBytes = Encoding.UTF8.GetBytes(Short);
    private readonly byte[] _longBytes = Encoding.UTF8.GetBytes(Long);

    [Benchmark(Description = "encode: new BusMessage(string), 15 B")]
    public BusMessage EncodeShort() => new(Short);

    [Benchmark(Description = "encode: new BusMessage(string), 2005 B")]
    public BusMessage EncodeLong() => new(Long);

    [Benchmark(Description = "encode: BusMessage.Format(pid, text)")]
    public BusMessage Format() => BusMessage.Format(4711, "volume 40%");

    [Benchmark(Description = "decode: new BusMessage(bytes).Text, 15 B")]
    public string DecodeShort() => new BusMessage(_shortBytes).Text;

    [Benchmark(Description = "decode: new BusMessage(bytes).Text, 2005 B")]
    public string DecodeLong() => new BusMessage(_longBytes).Text;

    [Benchmark(Description = "decode: BusMessage.TryParse(pid, body)")]
    public bool Parse() => BusMessage.TryParse(Short, out _, out _);
}
