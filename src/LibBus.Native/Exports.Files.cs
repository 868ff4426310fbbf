using System.Globalization;
using System.Runtime.InteropServices;
using static LibBus.Native.CFlags;

namespace LibBus.Native;

/// <summary>
/// The functions of bus 3.1.x's <c>bus.h</c> (include/bus.h), one export each. Each catches
/// everything: a failure is -1 (or NULL) with <c>errno</c> set (<see cref="CErrors"/>).
/// </summary>
internal static unsafe partial class Exports
{
    /// <summary>
    /// bus_create(3): a new bus at <paramref name="file"/>, or at a random path if NULL. Without
    /// BUS_EXCL an existing bus at <paramref name="file"/> is left as it is (a stale one of the
    /// caller's replaced; a file that is not a bus refused: EINVAL). BUS_INTR: a signal fails it.
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "bus_create")]
    internal static int Create(byte* file, int flags, byte** outFile)
    {
        bool before = CallerInterruption.Set((flags & BUS_INTR) != 0);
        try
        {
            if (outFile is not null) *outFile = null;
            if (file is null)
            {
                string path = Bus.CreateRandom();
                if (outFile is not null) *outFile = CArguments.Duplicate(System.Text.Encoding.UTF8.GetBytes(path));
            }
            else
            {
                Bus.Create(CArguments.Path(file), exclusive: (flags & BUS_EXCL) != 0);
                if (outFile is not null) *outFile = CArguments.Duplicate(MemoryMarshal.CreateReadOnlySpanFromNullTerminated(file));
            }
            return 0;
        }
        catch (Exception e)
        {
            return CErrors.Fail(e);
        }
        finally
        {
            CallerInterruption.Set(before);
        }
    }

    /// <summary>bus_unlink(3): removes the bus (both IPC objects, then the key file).</summary>
    [UnmanagedCallersOnly(EntryPoint = "bus_unlink")]
    internal static int Unlink(byte* file)
    {
        try
        {
            Bus.Remove(CArguments.Path(file));
            return 0;
        }
        catch (Exception e)
        {
            return CErrors.Fail(e);
        }
    }

    /// <summary>
    /// bus_chown(3): owner and group of the key file and both IPC objects; (uid_t)-1 or
    /// (gid_t)-1 leaves that one as it is, as chown(2) does.
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "bus_chown")]
    internal static int Chown(byte* file, uint owner, uint group)
    {
        try
        {
            string path = CArguments.Path(file);
            string? user = owner == uint.MaxValue ? null : owner.ToString(CultureInfo.InvariantCulture);
            string? grp = group == uint.MaxValue ? null : group.ToString(CultureInfo.InvariantCulture);
            if (user is null && grp is null) Bus.GetInfo(path); // nothing to change: still a bus?
            else Bus.ChangeOwner(path, user, grp);
            return 0;
        }
        catch (Exception e)
        {
            return CErrors.Fail(e);
        }
    }

    /// <summary>
    /// bus_chmod(3): any bit of a class gives that class read and write on the bus; the key file
    /// gets read for those classes and write for the owner only. Bits above 0777 are ignored.
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "bus_chmod")]
    internal static int Chmod(byte* file, uint mode)
    {
        try
        {
            Bus.ChangeMode(CArguments.Path(file), (UnixFileMode)(mode & 0x1FF));
            return 0;
        }
        catch (Exception e)
        {
            return CErrors.Fail(e);
        }
    }

    /// <summary>bus_open(3): BUS_RDONLY opens for listening only, anything else (BUS_WRONLY, BUS_RDWR: 0) for both.</summary>
    [UnmanagedCallersOnly(EntryPoint = "bus_open")]
    internal static int Open(CBus* bus, byte* file, int flags)
    {
        try
        {
            if (bus is null) return CErrors.Fail(LibBus.Interop.Errors.EINVAL);
            bus->KeySem = -1;
            bus->KeyShm = -1;
            bus->SemId = -1;
            bus->Message = null;
            bus->FirstPoll = 0;
            if (flags < 0) return CErrors.Fail(LibBus.Interop.Errors.EINVAL);
            Bus opened = Bus.Open(CArguments.Path(file), (flags & BUS_RDONLY) != 0 ? BusAccess.Listen : BusAccess.ListenAndBroadcast);
            opened.WaitAsTheCLibrary(); // EINTR ends bus_read, bus_write and bus_poll
            try
            {
                OpenBuses.Add(new OpenBus(opened));
            }
            catch
            {
                opened.Dispose();
                throw;
            }
            bus->KeySem = opened.Keys.SemaphoreKey;
            bus->KeyShm = opened.Keys.SegmentKey;
            bus->SemId = opened.SemaphoreId;
            bus->Message = (byte*)opened.SegmentAddress;
            return 0;
        }
        catch (Exception e)
        {
            return CErrors.Fail(e);
        }
    }

    /// <summary>
    /// bus_close(3): detaches the segment; a poller still joined from this bus_t leaves. A bus_t
    /// already closed (message NULL) is left as it is; one never opened fails with EINVAL.
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "bus_close")]
    internal static int Close(CBus* bus)
    {
        try
        {
            if (bus is null) return CErrors.Fail(LibBus.Interop.Errors.EINVAL);
            if (bus->Message is null)
            {
                bus->SemId = -1;
                return 0;
            }
            OpenBus? open = OpenBuses.Remove(bus);
            if (open is null) return CErrors.Fail(LibBus.Interop.Errors.EINVAL);
            bus->SemId = -1;
            bus->Message = null;
            open.Dispose();
            return 0;
        }
        catch (Exception e)
        {
            return CErrors.Fail(e);
        }
    }
}
