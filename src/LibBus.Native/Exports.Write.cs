using System.Runtime.InteropServices;
using static LibBus.Interop.Libc;
using static LibBus.Native.CFlags;

namespace LibBus.Native;

internal static unsafe partial class Exports
{
    /// <summary>
    /// bus_write(3): broadcasts <paramref name="message"/> and returns once every listener copied
    /// it. BUS_NOWAIT fails (EAGAIN) only while another broadcaster holds the bus.
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "bus_write")]
    internal static int Write(CBus* bus, byte* message, int flags)
        => WriteCore(bus, message, (flags & BUS_NOWAIT) != 0, null, 0);

    /// <summary>
    /// bus_write_timed(3): as bus_write, failing with EAGAIN if the bus is not got by
    /// <paramref name="timeout"/> (absolute, on <paramref name="clockid"/>); once got, the delivery
    /// waits for every listener. A NULL timeout is bus_write without flags.
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "bus_write_timed")]
    internal static int WriteTimed(CBus* bus, byte* message, TimeSpec* timeout, int clockid)
        => WriteCore(bus, message, noWait: false, timeout, clockid);

    private static int WriteCore(CBus* bus, byte* message, bool noWait, TimeSpec* timeout, int clockid)
    {
        try
        {
            OpenBus open = OpenBuses.Get(bus);
            if (message is null) return CErrors.Fail(LibBus.Interop.Errors.EINVAL);
            if ((open.Bus.Access & BusAccess.Broadcast) == 0) return CErrors.Fail(LibBus.Interop.Errors.EBADF); // opened BUS_RDONLY
            Deadline take = Deadline.Infinite;
            if (timeout is not null)
            {
                int errno = CArguments.Deadline(timeout, clockid, out take);
                if (errno != 0) return CErrors.Fail(errno);
            }
            ReadOnlySpan<byte> text = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(message);
            return open.Bus.BroadcastForC(text, noWait, take) ? 0 : CErrors.Fail(LibBus.Interop.Errors.EAGAIN);
        }
        catch (Exception e)
        {
            return CErrors.Fail(e);
        }
    }
}
