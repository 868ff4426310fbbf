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

    /// <summary>A bus-shaped semaphore array of the caller's that no scanned key file names, idle and unused.</summary>
    OrphanSemaphoreArray,

    /// <summary>A bus-shaped segment of the caller's that no scanned key file names, idle and not attached.</summary>
    OrphanSegment,

    /// <summary>
    /// A key file of the caller's made in another IPC namespace (a container or a service with
    /// <c>PrivateIPC=</c> sharing the directory): its objects cannot be seen from here, so it is
    /// never stale from here; skipped, never removed.
    /// </summary>
    OtherNamespace,
}

/// <summary>One thing <see cref="Bus.CollectGarbage"/> found, and what it did.</summary>
/// <param name="Kind">What it is.</param>
/// <param name="Path">The key file (for <see cref="BusGarbageKind.StaleKeyFile"/> and <see cref="BusGarbageKind.AbandonedPrivateBus"/>), else null.</param>
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

    /// <summary>Also look for orphan IPC objects (see <see cref="BusGarbageKind.OrphanSemaphoreArray"/>).</summary>
    public bool Orphans { get; init; }

    /// <summary>
    /// How long an orphan object must have been unused: every time the kernel keeps for it
    /// (last operation and last change of a semaphore array; last attach, detach and change of a
    /// segment) must be at least this old. Default one hour.
    /// </summary>
    public TimeSpan MinimumIdle { get; init; } = TimeSpan.FromHours(1);
}
