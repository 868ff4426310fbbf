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

/// <summary>One thing <see cref="Bus.CollectGarbage"/> found, and what it did.</summary>
/// <param name="Kind">What it is.</param>
/// <param name="Path">The key file; for an orphan object, the key file it was made for, which no longer names it.</param>
/// <param name="Key">The IPC key of an orphan object, else 0.</param>
/// <param name="Id">The IPC identifier of an orphan object, else -1.</param>
/// <param name="Removed">It was removed (false on a dry run or a failure).</param>
/// <param name="Error">Why it could not be removed, or null.</param>
public sealed record BusGarbage(BusGarbageKind Kind, string? Path, int Key, int Id, bool Removed, string? Error);

/// <summary>How <see cref="Bus.CollectGarbage"/> works.</summary>
public sealed record BusGarbageOptions
{
    /// <summary>Report only; change nothing.</summary>
    public bool DryRun { get; init; }

    /// <summary>Also remove orphan IPC objects (see <see cref="BusGarbageKind.OrphanSemaphoreArray"/>).</summary>
    public bool Orphans { get; init; }

    /// <summary>
    /// How long an orphan object must have been unused: every time the kernel keeps for it
    /// (last operation and last change of a semaphore array; last attach, detach and change of a
    /// segment) must be at least this old. Default one hour.
    /// </summary>
    public TimeSpan MinimumIdle { get; init; } = TimeSpan.FromHours(1);
}
