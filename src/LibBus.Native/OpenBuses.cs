using System.Runtime.InteropServices;

namespace LibBus.Native;

/// <summary>
/// The buses this process opened through the C ABI, by the address their segment is attached at
/// (<c>bus_t.message</c>, unique per <c>bus_open</c>): <c>bus_t</c> keeps bus 3.1.x's layout, so
/// LibBus's own state for it lives here. Copies of a <c>bus_t</c> share their bus, as in C.
/// </summary>
internal static unsafe class OpenBuses
{
    private static readonly Lock s_lock = new();

    // Sorted by address. Read without the lock (every bus_write and bus_read looks its bus up, by
    // binary search: a few instructions for the few buses a program opens, where a dictionary took
    // some 80); replaced whole, under the lock, by bus_open and bus_close, which are rare: a lookup
    // never sees a table being changed.
    private static volatile OpenBus[] s_buses = [];

    internal static void Add(OpenBus bus)
    {
        lock (s_lock)
        {
            OpenBus[] buses = s_buses;
            int at = Find(buses, bus.Address);
            if (at >= 0) throw new InvalidOperationException("a bus is already open at that address");
            at = ~at;
            s_buses = [.. buses.AsSpan(0, at), bus, .. buses.AsSpan(at)];
        }
    }

    /// <summary>The bus <paramref name="bus"/> was opened as.</summary>
    /// <exception cref="ArgumentException">Not a bus_t from bus_open, or closed (EINVAL, as semop(2) on <c>sem_id</c> -1 says).</exception>
    internal static OpenBus Get(CBus* bus)
    {
        if (bus is null) throw new ArgumentNullException(nameof(bus));
        OpenBus[] buses = s_buses;
        int at = Find(buses, (nint)bus->Message);
        if (at >= 0) return buses[at];
        throw new ArgumentException("not an open bus", nameof(bus));
    }

    /// <summary>Forgets <paramref name="bus"/>; null if it was not open.</summary>
    internal static OpenBus? Remove(CBus* bus)
    {
        lock (s_lock)
        {
            OpenBus[] buses = s_buses;
            int at = Find(buses, (nint)bus->Message);
            if (at < 0) return null;
            s_buses = [.. buses.AsSpan(0, at), .. buses.AsSpan(at + 1)];
            return buses[at];
        }
    }

    /// <summary>The index of the bus at <paramref name="address"/> in <paramref name="buses"/>, or the complement of where it would go.</summary>
    private static int Find(OpenBus[] buses, nint address)
    {
        int low = 0, high = buses.Length - 1;
        while (low <= high)
        {
            int middle = (int)((uint)(low + high) >> 1);
            nint here = buses[middle].Address;
            if (here == address) return middle;
            if (here < address) low = middle + 1;
            else high = middle - 1;
        }
        return ~low;
    }
}

/// <summary>One bus opened through the C ABI, and its poller (bus_poll_start to bus_poll_stop), if any.</summary>
internal sealed unsafe class OpenBus(Bus bus) : IDisposable
{
    /// <summary>Message bytes and the NUL.</summary>
    internal const int BufferSize = 2048 + 1;

    internal Bus Bus { get; } = bus;

    /// <summary>Where the segment is attached (<c>bus_t.message</c>): the key of <see cref="OpenBuses"/>.</summary>
    internal nint Address { get; } = bus.SegmentAddress;

    /// <summary>Serializes bus_poll_start, bus_poll_stop and bus_close on this bus.</summary>
    internal Lock PollLock { get; } = new();

    internal ListenerSession? Poller { get; set; }

    internal SegmentLease? PollerLease { get; set; }

    /// <summary>
    /// What bus_poll returns: the last message polled, with its NUL; valid until the next
    /// bus_poll or bus_close (also after bus_poll_stop, as the C library's segment is).
    /// </summary>
    internal byte* PollBuffer { get; private set; }

    internal byte* EnsurePollBuffer()
    {
        if (PollBuffer is null) PollBuffer = (byte*)NativeMemory.Alloc(BufferSize);
        return PollBuffer;
    }

    /// <summary>Leaves the bus as a poller; null, or the error of a refused leave.</summary>
    internal BusException? StopPolling()
    {
        BusException? error = Poller?.Leave();
        Poller = null;
        PollerLease?.Dispose();
        PollerLease = null;
        return error;
    }

    public void Dispose()
    {
        lock (PollLock)
        {
            StopPolling();
            Bus.Dispose();
            NativeMemory.Free(PollBuffer);
            PollBuffer = null;
        }
    }
}
