namespace LibBus;

/// <summary>One thing <see cref="Bus.CollectGarbage"/> found, and what it did.</summary>
/// <param name="Kind">What it is.</param>
/// <param name="Path">The key file; for an orphan object, the key file it was made for, which no longer names it.</param>
/// <param name="Key">The IPC key of an orphan object, else 0.</param>
/// <param name="Id">The IPC identifier of an orphan object, else -1.</param>
/// <param name="Removed">It was removed (false on a dry run or a failure).</param>
/// <param name="Error">Why it could not be removed, or null.</param>
public sealed record BusGarbage(BusGarbageKind Kind, string? Path, int Key, int Id, bool Removed, string? Error);
