namespace LibBus;

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
