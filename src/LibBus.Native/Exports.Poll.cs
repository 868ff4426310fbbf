using System.Runtime.InteropServices;
using static LibBus.Interop.Libc;
using static LibBus.Native.CFlags;

namespace LibBus.Native;

internal static unsafe partial class Exports
{
    /// <summary>
    /// bus_poll_start(3): joins the bus as a poller of this bus_t (waiting while a delivery is in
    /// progress, as a LibBus listener joins). EINVAL if this bus_t already polls.
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "bus_poll_start")]
    internal static int PollStart(CBus* bus)
    {
        try
        {
            OpenBus open = OpenBuses.Get(bus);
            lock (open.PollLock)
            {
                if (open.Poller is not null) return CErrors.Fail(LibBus.Interop.Errors.EINVAL);
                open.EnsurePollBuffer();
                ListenerSession session = open.Bus.NewListener(out SegmentLease lease);
                try
                {
                    session.Join(Deadline.Infinite, CancellationToken.None);
                }
                catch
                {
                    lease.Dispose();
                    throw;
                }
                open.Poller = session;
                open.PollerLease = lease;
            }
            bus->FirstPoll = 1;
            return 0;
        }
        catch (Exception e)
        {
            return CErrors.Fail(e);
        }
    }

    /// <summary>bus_poll_stop(3): leaves the bus. EINVAL if this bus_t does not poll.</summary>
    [UnmanagedCallersOnly(EntryPoint = "bus_poll_stop")]
    internal static int PollStop(CBus* bus)
    {
        try
        {
            OpenBus open = OpenBuses.Get(bus);
            BusException? error;
            lock (open.PollLock)
            {
                if (open.Poller is null) return CErrors.Fail(LibBus.Interop.Errors.EINVAL);
                error = open.StopPolling();
            }
            return error is null ? 0 : CErrors.Fail(error);
        }
        catch (Exception e)
        {
            return CErrors.Fail(e);
        }
    }

    /// <summary>
    /// bus_poll(3): the next message, copied (with its NUL) into memory of this bus_t that stays
    /// valid until the next bus_poll or bus_close; NULL with errno on failure. BUS_NOWAIT: EAGAIN
    /// unless a message is being delivered right now.
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "bus_poll")]
    internal static byte* Poll(CBus* bus, int flags)
        => PollCore(bus, (flags & BUS_NOWAIT) != 0, null, 0);

    /// <summary>bus_poll_timed(3): as bus_poll, failing with EAGAIN once <paramref name="timeout"/> (absolute, on <paramref name="clockid"/>) passes. A NULL timeout is bus_poll without flags.</summary>
    [UnmanagedCallersOnly(EntryPoint = "bus_poll_timed")]
    internal static byte* PollTimed(CBus* bus, TimeSpec* timeout, int clockid)
        => PollCore(bus, noWait: false, timeout, clockid);

    private static byte* PollCore(CBus* bus, bool noWait, TimeSpec* timeout, int clockid)
    {
        try
        {
            OpenBus open = OpenBuses.Get(bus);
            Deadline deadline = Deadline.Infinite;
            if (timeout is not null)
            {
                int errno = CArguments.Deadline(timeout, clockid, out deadline);
                if (errno != 0)
                {
                    CErrors.Fail(errno);
                    return null;
                }
            }
            ListenerSession session = open.Poller ?? throw new InvalidOperationException("bus_poll_start was not called");
            byte* buffer = open.PollBuffer;
            int length = session.Receive(new Span<byte>(buffer, OpenBus.BufferSize - 1), noWait, deadline, CancellationToken.None);
            if (length < 0)
            {
                CErrors.Fail(LibBus.Interop.Errors.EAGAIN);
                return null;
            }
            buffer[length] = 0;
            bus->FirstPoll = 0;
            // Re-queue now if the delivery is over, else at the next poll (as BusPoller does).
            try
            {
                session.Requeue(noWait: true, Deadline.Infinite, CancellationToken.None);
            }
            catch (BusException)
            {
                // The message is whole; the next bus_poll reports the bus's state.
            }
            return buffer;
        }
        catch (Exception e)
        {
            CErrors.Fail(e);
            return null;
        }
    }
}
