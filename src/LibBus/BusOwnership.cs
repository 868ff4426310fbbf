namespace LibBus;

/// <summary>Owner, group and permission bits of one part of a bus.</summary>
/// <param name="Uid">Owner.</param>
/// <param name="Gid">Group.</param>
/// <param name="Mode">Permission bits only.</param>
public sealed record BusOwnership(uint Uid, uint Gid, UnixFileMode Mode);
