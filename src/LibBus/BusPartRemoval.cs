namespace LibBus;

/// <summary>The outcome for one part of a bus being removed.</summary>
/// <param name="Removed">This call removed it.</param>
/// <param name="AlreadyGone">It did not exist any more.</param>
/// <param name="Error">Why it could not be removed, or null.</param>
/// <param name="Errno">The errno behind <paramref name="Error"/>, or 0.</param>
public sealed record BusPartRemoval(bool Removed, bool AlreadyGone, string? Error, int Errno = 0)
{
    /// <summary>The part does not exist any more.</summary>
    public bool IsGone => Removed || AlreadyGone;
}
