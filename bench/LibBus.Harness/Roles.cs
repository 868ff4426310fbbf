using System.Buffers.Text;
using System.Diagnostics;

namespace LibBus.Harness;

/// <summary>The LibBus child processes of a throughput run (line protocol: see bench/c/cbaseline.c).</summary>
internal static class Roles
{
    /// <summary>Listens until <paramref name="total"/> messages came, checking each sender's sequence 0, 1, 2, ...</summary>
    internal static int Listener(string path, long total)
    {
        using Bus bus = Bus.Open(path, BusAccess.Listen);
        var next = new Dictionary<long, long>();
        long received = 0;
        string? failure = null;
        bus.ListenBytes(bytes =>
        {
            int space = bytes.IndexOf((byte)' ');
            if (space <= 0 || !Utf8Parser.TryParse(bytes[..space], out long pid, out _)
                || !Utf8Parser.TryParse(bytes[(space + 1)..], out long seq, out int used) || used != bytes.Length - space - 1)
            {
                failure = $"bad message '{System.Text.Encoding.UTF8.GetString(bytes)}'";
                return false;
            }
            long expected = next.GetValueOrDefault(pid);
            if (seq != expected)
            {
                failure = $"sender {pid}: expected {expected}, got {seq}";
                return false;
            }
            next[pid] = seq + 1;
            return ++received < total;
        }, onListening: () => Console.Out.Write("READY\n"));
        Console.Out.Write(failure is null ? $"OK received={received}\n" : $"FAIL {failure}\n");
        return failure is null ? 0 : 1;
    }

    /// <summary>
    /// Sends <paramref name="warmup"/> untimed messages, says READY, waits for GO on stdin,
    /// then sends <paramref name="count"/> timed ones through the allocation-free span overload.
    /// </summary>
    internal static int Broadcaster(string path, int count, int warmup)
    {
        using Bus bus = Bus.Open(path, BusAccess.Broadcast);
        byte[] buffer = new byte[64];
        int pid = Environment.ProcessId;
        Utf8Formatter.TryFormat(pid, buffer, out int prefix);
        buffer[prefix++] = (byte)' ';
        long[] latencies = new long[Math.Max(count, 1)];

        for (int i = 0; i < warmup; i++)
            Send(bus, buffer, prefix, i);
        Console.Out.Write("READY\n");
        if (Console.In.ReadLine() is null) return 1;

        long allocated = GC.GetAllocatedBytesForCurrentThread();
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < count; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            Send(bus, buffer, prefix, warmup + i);
            latencies[i] = Stopwatch.GetTimestamp() - t0;
        }
        long end = Stopwatch.GetTimestamp();
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;

        Array.Sort(latencies, 0, count);
        Console.Out.Write($"RESULT start_ns={Ns(start)} end_ns={Ns(end)} n={count} " +
            $"p50_ns={Ns(count > 0 ? latencies[count / 2] : 0)} p99_ns={Ns(count > 0 ? latencies[count * 99 / 100] : 0)} " +
            $"alloc_bytes={allocated}\n");
        return 0;
    }

    private static void Send(Bus bus, byte[] buffer, int prefix, int seq)
    {
        Utf8Formatter.TryFormat(seq, buffer.AsSpan(prefix), out int written);
        bus.Broadcast(new ReadOnlySpan<byte>(buffer, 0, prefix + written));
    }

    /// <summary>Stopwatch ticks to nanoseconds (CLOCK_MONOTONIC on Linux, like the C peers).</summary>
    private static long Ns(long ticks) => (long)(ticks * (1e9 / Stopwatch.Frequency));
}
