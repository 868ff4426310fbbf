namespace LibBus;

/// <summary>
/// Whether a signal ends a blocking call. LibBus re-issues a call that a
/// signal interrupted (EINTR: nothing was applied). The C library's calls are not
/// re-issued: its <c>bus_read</c>, <c>bus_write</c> and <c>bus_poll</c> fail with EINTR
/// when a signal handler runs during a wait (semop(2) is never restarted), and
/// <c>bus_create</c> with <c>BUS_INTR</c> fails if its write is interrupted. The C ABI
/// (src/LibBus.Native) asks for both, so a C program's signal handlers keep their meaning;
/// nothing else does. For the waits it marks each bus it opens, whose every wait is a C
/// caller's (<see cref="MarkWaitsOf"/>, read at each EINTR by <see cref="EndsWait"/>): nothing
/// to set and restore around each <c>bus_write</c>, a thread-local variable read and written
/// twice per message. For <c>bus_create</c>'s write it sets this thread's flag (<see cref="Set"/>)
/// for the duration of the call.
/// </summary>
internal static class CallerInterruption
{
    [ThreadStatic]
    private static bool t_fails;

    /// <summary>Marks <paramref name="semaphores"/>, of a bus opened through the C ABI: an EINTR ends each of its waits.</summary>
    internal static void MarkWaitsOf(Semaphores semaphores) => semaphores.WaitsEndOnInterruption = true;

    /// <summary>Whether an EINTR ends a wait on <paramref name="semaphores"/> instead of re-issuing it.</summary>
    internal static bool EndsWait(Semaphores semaphores) => semaphores.WaitsEndOnInterruption || t_fails;

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
