namespace LibBus;

/// <summary>Keeps the segment attached for a listener's lifetime, even if the <see cref="Bus"/> is disposed first.</summary>
internal sealed class SegmentLease : IDisposable
{
    private SharedSegmentHandle? _segment;

    internal SegmentLease(SharedSegmentHandle segment)
    {
        bool added = false;
        segment.DangerousAddRef(ref added);
        _segment = segment;
    }

    public void Dispose() => Interlocked.Exchange(ref _segment, null)?.DangerousRelease();
}
