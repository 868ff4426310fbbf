using System.Runtime.InteropServices;

namespace LibBus.Tests.Infrastructure;

internal static partial class Native
{
    internal const int SIGKILL = 9;
    internal const int SIGCONT = 18;
    internal const int SIGSTOP = 19;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    internal static partial int Kill(int pid, int signal);
}
