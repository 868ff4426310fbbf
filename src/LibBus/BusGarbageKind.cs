namespace LibBus;

/// <summary>What <see cref="Bus.CollectGarbage"/> found.</summary>
public enum BusGarbageKind
{
    /// <summary>A key file of the caller's whose semaphore array and segment are both gone.</summary>
    StaleKeyFile,

    /// <summary>
    /// A bus left by a <see cref="PrivateBus"/> (<c>bus run</c>) whose creating process is gone
    /// (killed with SIGKILL, for example), that no process has open and no listener has joined.
    /// </summary>
    AbandonedPrivateBus,

    /// <summary>
    /// The semaphore array of a bus made by <see cref="Bus.Create(string, bool)"/> (the caller's
    /// registry records it) whose key file is gone, idle and unused.
    /// </summary>
    OrphanSemaphoreArray,

    /// <summary>The segment of such a bus, idle and not attached.</summary>
    OrphanSegment,

    /// <summary>
    /// A key file of the caller's made in another IPC namespace (a container or a service with
    /// <c>PrivateIPC=</c> sharing the directory): its objects cannot be seen from here, so it is
    /// never stale from here; skipped, never removed.
    /// </summary>
    OtherNamespace,

    /// <summary>
    /// A key file of the caller's that names one remaining object of the caller's (the other one is
    /// gone: an <c>ipcrm</c>, a removal stopped halfway): the bus cannot be used; both are removed.
    /// </summary>
    BrokenBus,
}
