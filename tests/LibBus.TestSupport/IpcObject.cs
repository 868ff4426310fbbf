namespace LibBus.TestSupport;

/// <summary>
/// One System V object as /proc/sysvipc lists it (what <c>ipcs -s</c> / <c>ipcs -m</c> show).
/// <paramref name="Size"/> is the number of semaphores of an array, the bytes of a segment;
/// <paramref name="CreatorPid"/> is known for segments only (0 for semaphore arrays);
/// <paramref name="CreatorUid"/> is the cuid column.
/// </summary>
public sealed record IpcObject(bool IsSegment, int Key, int Id, int Mode, uint Uid, uint Gid, long Size, int CreatorPid, uint CreatorUid);
