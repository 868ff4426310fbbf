namespace LibBus;

/// <summary>Removal of a bus left some part of it behind; <see cref="Removal"/> says which and why.</summary>
public sealed class BusRemovalException(BusRemoval removal)
    : BusException(removal.ToString(), removal.Path, FirstErrno(removal))
{
    /// <summary>What happened to each part.</summary>
    public BusRemoval Removal { get; } = removal;

    private static int FirstErrno(BusRemoval r)
        => r.SemaphoreArray.Errno != 0 ? r.SemaphoreArray.Errno : r.Segment.Errno != 0 ? r.Segment.Errno : r.KeyFile.Errno;
}
