using System.Runtime.InteropServices;

namespace LibBus;

/// <summary>
/// The attached 2048-byte message segment of a bus. Owns the attachment:
/// releasing the handle calls <c>shmdt</c>, and SafeHandle reference counting
/// keeps it attached while any copy into or out of it is in progress.
/// </summary>
internal sealed class SharedSegmentHandle : SafeBuffer
{
    /// <summary>Size of the message segment in bytes, the NUL included.</summary>
    internal const int Size = 2048;

    private SharedSegmentHandle() : base(ownsHandle: true) { }

    /// <summary>Attaches segment <paramref name="shmid"/>; returns null and leaves errno set on failure.</summary>
    internal static SharedSegmentHandle? Attach(int shmid, bool readOnly)
    {
        var handle = new SharedSegmentHandle();
        nint address = Interop.Libc.ShmAt(shmid, 0, readOnly ? Interop.Libc.SHM_RDONLY : 0);
        if (address == -1)
        {
            int errno = Interop.Errors.LastErrno;
            handle.SetHandleAsInvalid();
            Marshal.SetLastPInvokeError(errno);
            return null;
        }
        handle.SetHandle(address);
        handle.Initialize(Size);
        return handle;
    }

    public override bool IsInvalid => handle == 0 || handle == -1;

    protected override bool ReleaseHandle() => Interop.Libc.ShmDt(handle) == 0;
}
