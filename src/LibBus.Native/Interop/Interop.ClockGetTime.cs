using System.Runtime.InteropServices;
using static LibBus.Interop.Libc;

namespace LibBus.Native;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>clock_gettime(2): the time of <paramref name="clockid"/>; 0, or -1 and errno.</summary>
        [LibraryImport("libc.so.6", EntryPoint = "clock_gettime", SetLastError = true)]
        internal static unsafe partial int ClockGetTime(int clockid, TimeSpec* time);
    }
}
