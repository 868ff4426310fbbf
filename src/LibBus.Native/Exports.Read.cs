using System.Runtime.InteropServices;
using static LibBus.Interop.Libc;

namespace LibBus.Native;

internal static unsafe partial class Exports
{
    /// <summary>
    /// bus_read(3): joins, calls <paramref name="callback"/> once with NULL, then once per message
    /// until it returns 0 (done: 0) or -1 (failed: -1, with the errno it left). The callback runs
    /// on the calling thread, after the message was copied and acknowledged; the message it gets
    /// is that copy, in memory of this call (valid until it returns). While it runs, the next
    /// broadcaster waits. A signal handler that runs during a wait fails the call with EINTR.
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "bus_read")]
    internal static int Read(CBus* bus, delegate* unmanaged<byte*, void*, int> callback, void* userData)
        => ReadCore(bus, callback, userData, null, 0);

    /// <summary>
    /// bus_read_timed(3): as bus_read, failing with EAGAIN once <paramref name="timeout"/>
    /// (absolute, on <paramref name="clockid"/>) passes while it waits (the callback may have been
    /// called). A NULL timeout is bus_read.
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "bus_read_timed")]
    internal static int ReadTimed(CBus* bus, delegate* unmanaged<byte*, void*, int> callback, void* userData, TimeSpec* timeout, int clockid)
        => ReadCore(bus, callback, userData, timeout, clockid);

    private static int ReadCore(CBus* bus, delegate* unmanaged<byte*, void*, int> callback, void* userData, TimeSpec* timeout, int clockid)
    {
        try
        {
            OpenBus open = OpenBuses.Get(bus);
            if (callback is null) return CErrors.Fail(LibBus.Interop.Errors.EINVAL);
            Deadline deadline = Deadline.Infinite;
            if (timeout is not null)
            {
                int errno = CArguments.Deadline(timeout, clockid, out deadline);
                if (errno != 0) return CErrors.Fail(errno);
            }
            int? error = Listen(open.Bus, callback, userData, deadline);
            return error is { } failure ? CErrors.Fail(failure) : 0; // errno last: any call before may clear it
        }
        catch (Exception e)
        {
            return CErrors.Fail(e);
        }
    }

    /// <summary>The listen loop of bus_read: null, or the errno to fail with (the callback's may be 0). Leaves the bus however it ends.</summary>
    private static int? Listen(Bus bus, delegate* unmanaged<byte*, void*, int> callback, void* userData, Deadline deadline)
    {
        // Native memory: C's to read, and never moved; a forked child keeps its copy.
        byte* buffer = (byte*)NativeMemory.Alloc(OpenBus.BufferSize);
        try
        {
            // The lease is disposed below, after the last receive of this thread: copies take no reference of their own.
            ListenerSession session = bus.NewListener(out SegmentLease lease, leaseOutlivesReceives: true);
            try
            {
                if (!session.Join(deadline, CancellationToken.None)) return LibBus.Interop.Errors.EAGAIN;
                int result = callback(null, userData);
                while (result != 0)
                {
                    if (result == -1) return Marshal.GetLastSystemError(); // the callback's
                    int length = session.Receive(new Span<byte>(buffer, OpenBus.BufferSize - 1), noWait: false, deadline, CancellationToken.None);
                    if (length < 0) return LibBus.Interop.Errors.EAGAIN; // timed out
                    buffer[length] = 0;
                    result = callback(buffer, userData);
                }
                BusException? leaveError = session.Leave();
                return leaveError is null ? null : CErrors.Of(leaveError);
            }
            finally
            {
                session.Leave(); // idempotent: after an error, the one way that fits where it is
                lease.Dispose();
            }
        }
        finally
        {
            NativeMemory.Free(buffer);
        }
    }
}
