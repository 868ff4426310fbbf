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
