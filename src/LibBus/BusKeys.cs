namespace LibBus;

/// <summary>The two System V IPC keys a bus key file names.</summary>
/// <param name="SemaphoreKey">Key of the 5-semaphore array (line 1 of the key file).</param>
/// <param name="SegmentKey">Key of the 2048-byte shared memory segment (line 2).</param>
public readonly record struct BusKeys(int SemaphoreKey, int SegmentKey)
{
    /// <summary>The key file text: two decimal lines.</summary>
    public override string ToString() => $"{SemaphoreKey}\n{SegmentKey}\n";
}
