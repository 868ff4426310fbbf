using System.Runtime.InteropServices;
using System.Text;
using static LibBus.Interop.Libc;

namespace LibBus.Native;

/// <summary>C arguments made into LibBus's: paths, messages, absolute times.</summary>
internal static unsafe class CArguments
{
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// A path. LibBus names files by string, so a path that is not UTF-8 is refused (EINVAL)
    /// rather than decoded into another file's name.
    /// </summary>
    /// <exception cref="ArgumentException">NULL, empty, or not UTF-8.</exception>
    internal static string Path(byte* file)
    {
        if (file is null) throw new ArgumentNullException(nameof(file));
        ReadOnlySpan<byte> bytes = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(file);
        if (bytes.IsEmpty) throw new ArgumentException("empty path", nameof(file));
        try
        {
            return s_strictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new ArgumentException("a path that is not UTF-8", nameof(file), e);
        }
    }

    /// <summary>A copy of the NUL-terminated <paramref name="text"/> with malloc(3), for the caller to free(3).</summary>
    internal static byte* Duplicate(ReadOnlySpan<byte> text)
    {
        byte* copy = (byte*)NativeMemory.Alloc((nuint)text.Length + 1);
        text.CopyTo(new Span<byte>(copy, text.Length));
        copy[text.Length] = 0;
        return copy;
    }

    /// <summary>
    /// The deadline of a timed call: <paramref name="timeout"/>, an absolute time on
    /// <paramref name="clockid"/>, as time left from now (the C library's conversion). Returns 0,
    /// or the errno to fail with: EAGAIN if that time has passed, clock_gettime(3)'s errno for a
    /// clock it refuses, EINVAL for nanoseconds out of range.
    /// </summary>
    internal static int Deadline(TimeSpec* timeout, int clockid, out Deadline deadline)
    {
        deadline = LibBus.Deadline.Infinite;
        if (timeout->TvNsec is < 0 or >= 1_000_000_000) return LibBus.Interop.Errors.EINVAL;
        TimeSpec now;
        if (Interop.Libc.ClockGetTime(clockid, &now) != 0) return Marshal.GetLastPInvokeError();
        long seconds = timeout->TvSec - now.TvSec;
        long nanoseconds = timeout->TvNsec - now.TvNsec;
        if (nanoseconds < 0)
        {
            nanoseconds += 1_000_000_000;
            seconds--;
        }
        if (seconds < 0) return LibBus.Interop.Errors.EAGAIN;
        seconds = Math.Min(seconds, int.MaxValue); // 68 years: as good as none, and no overflow
        deadline = LibBus.Deadline.After(TimeSpan.FromTicks(seconds * TimeSpan.TicksPerSecond + nanoseconds / 100));
        return 0;
    }
}
