using System.Runtime.InteropServices;

namespace LibBus;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>clock_gettime(2): the time of <paramref name="clockid"/>; 0, or -1 and errno.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "clock_gettime", SetLastError = true)]
        internal static unsafe partial int ClockGetTime(int clockid, TimeSpec* time);
    }
}
