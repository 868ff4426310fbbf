namespace LibBus;

/// <summary>Ownership and permissions of a bus, as its semaphore array records them.</summary>
/// <param name="Path">The key file.</param>
/// <param name="Keys">The IPC keys.</param>
/// <param name="Mode">Permission bits of the semaphore array (0600 for a new bus).</param>
/// <param name="SegmentMode">Permission bits of the shared memory segment.</param>
/// <param name="KeyFileMode">Permission bits of the key file.</param>
/// <param name="Uid">Owner of the semaphore array.</param>
/// <param name="Gid">Group of the semaphore array.</param>
internal sealed record BusInfo(string Path, BusKeys Keys, int Mode, int SegmentMode, int KeyFileMode, uint Uid, uint Gid);
