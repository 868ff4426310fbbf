namespace LibBus;

/// <summary>What <see cref="Bus.Remove(string)"/> did with each of the three parts of a bus.</summary>
/// <param name="Path">The key file.</param>
/// <param name="SemaphoreArray">What happened to the semaphore array.</param>
/// <param name="Segment">What happened to the shared memory segment.</param>
/// <param name="KeyFile">What happened to the key file.</param>
public sealed record BusRemoval(string Path, BusPartRemoval SemaphoreArray, BusPartRemoval Segment, BusPartRemoval KeyFile)
{
    /// <summary>True if every part is now gone.</summary>
    public bool Succeeded => SemaphoreArray.IsGone && Segment.IsGone && KeyFile.IsGone;

    /// <summary>One line: what was removed and what could not be.</summary>
    public override string ToString()
    {
        var parts = new[] { ("semaphore array", SemaphoreArray), ("shared memory segment", Segment), ("key file", KeyFile) };
        var failed = parts.Where(p => !p.Item2.IsGone).Select(p => $"could not remove the {p.Item1}: {p.Item2.Error}");
        var done = parts.Where(p => p.Item2.IsGone).Select(p => p.Item2.AlreadyGone ? $"the {p.Item1} was already gone" : $"removed the {p.Item1}");
        return $"{Path}: " + string.Join("; ", failed.Concat(done));
    }
}

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

/// <summary>Removal of a bus left some part of it behind; <see cref="Removal"/> says which and why.</summary>
public sealed class BusRemovalException(BusRemoval removal)
    : BusException(removal.ToString(), removal.Path, FirstErrno(removal))
{
    /// <summary>What happened to each part.</summary>
    public BusRemoval Removal { get; } = removal;

    private static int FirstErrno(BusRemoval r)
        => r.SemaphoreArray.Errno != 0 ? r.SemaphoreArray.Errno : r.Segment.Errno != 0 ? r.Segment.Errno : r.KeyFile.Errno;
}
