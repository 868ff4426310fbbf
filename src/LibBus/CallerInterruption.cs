namespace LibBus;

/// <summary>
/// Whether a signal ends a blocking call on this thread. LibBus re-issues a call that a
/// signal interrupted (EINTR: nothing was applied). The C library's calls are not
/// re-issued: its <c>bus_read</c>, <c>bus_write</c> and <c>bus_poll</c> fail with EINTR
/// when a signal handler runs during a wait (semop(2) is never restarted), and
/// <c>bus_create</c> with <c>BUS_INTR</c> fails if its write is interrupted. The C ABI
/// (src/LibBus.Native) turns this on for the duration of those calls, so a C program's
/// signal handlers keep their meaning; nothing else does.
/// </summary>
internal static class CallerInterruption
{
    [ThreadStatic]
    private static bool t_fails;

    /// <summary>True while an EINTR ends the current call on this thread instead of re-issuing it.</summary>
    internal static bool Fails => t_fails;

    /// <summary>Sets <see cref="Fails"/> for this thread; returns the value before, to restore.</summary>
    internal static bool Set(bool fails)
    {
        bool before = t_fails;
        t_fails = fails;
        return before;
    }
}
