using System.Runtime.InteropServices;

namespace LibBus.Native;

/// <summary>
/// <c>bus_t</c> of bus 3.1.x's <c>bus.h</c>, field for field: the C program owns it (usually on
/// its stack). LibBus keeps what else it needs in <see cref="OpenBuses"/>, by <see cref="Message"/>.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CBus
{
    /// <summary><c>key_t key_sem</c>: the semaphore array's key.</summary>
    internal int KeySem;

    /// <summary><c>key_t key_shm</c>: the segment's key.</summary>
    internal int KeyShm;

    /// <summary><c>int sem_id</c>: the semaphore array's identifier.</summary>
    internal int SemId;

    /// <summary><c>char *message</c>: where the segment is attached in this process.</summary>
    internal byte* Message;

    /// <summary><c>int first_poll</c>: 1 from bus_poll_start until the first message polled.</summary>
    internal int FirstPoll;
}

/// <summary>The flags of <c>bus.h</c>, as bus 3.1.x defines them.</summary>
internal static class CFlags
{
    internal const int BUS_RDONLY = 1;
    internal const int BUS_EXCL = 2;
    internal const int BUS_INTR = 4;
    internal const int BUS_NOWAIT = 1;
}
