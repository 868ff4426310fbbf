namespace LibBus;

/// <summary>The shared memory segment of a bus.</summary>
/// <param name="Id">Identifier (as <c>ipcs -m</c> shows it).</param>
/// <param name="Ownership">Owner, group, mode.</param>
/// <param name="Attached"><c>shm_nattch</c>: processes that have the bus open (every open handle attaches the segment).</param>
/// <param name="CreatorPid"><c>shm_cpid</c>: the process that created the bus.</param>
/// <param name="LastPid"><c>shm_lpid</c>: the process that last attached or detached.</param>
/// <param name="LastAttach"><c>shm_atime</c>, or null if never attached.</param>
/// <param name="LastDetach"><c>shm_dtime</c>, or null if never detached.</param>
/// <param name="LastChange"><c>shm_ctime</c>: creation or the last chmod/chown.</param>
public sealed record BusSegmentStatus(int Id, BusOwnership Ownership, int Attached, int CreatorPid, int LastPid,
    DateTimeOffset? LastAttach, DateTimeOffset? LastDetach, DateTimeOffset LastChange);
