namespace LibBus;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // <signal.h>: the signal numbers LibBus, the command, the tests and the bench use, defined
        // here only (the same on x86-64 and arm64; checked against the headers of both by
        // NativeLayoutTests). kill, tgkill, sigaction and sigaddset take them; a
        // PosixSignalRegistration made with (PosixSignal)N reports the same N.
        internal const int SIGHUP = 1;
        internal const int SIGINT = 2;
        internal const int SIGKILL = 9;
        internal const int SIGUSR1 = 10;
        internal const int SIGPIPE = 13;
        internal const int SIGTERM = 15;
        internal const int SIGCONT = 18;
        internal const int SIGSTOP = 19;
        internal const int SIGTSTP = 20;

        /// <summary>Urgent data on a socket; ignored by default. LibBus interrupts a blocked wait with it.</summary>
        internal const int SIGURG = 23;
    }
}
