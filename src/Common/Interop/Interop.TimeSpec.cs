using System.Runtime.InteropServices;

namespace LibBus;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary><c>struct timespec</c>: a relative timeout for <c>semtimedop</c>, the time of a clock for <c>clock_gettime</c>.</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct TimeSpec
        {
            internal nint TvSec;
            internal nint TvNsec;
        }
    }
}
