using System.Diagnostics;

namespace LibBus;

/// <summary>An absolute point in time (monotonic clock) by which an operation must finish, or none.</summary>
internal readonly struct Deadline
{
    private readonly long _end;

    private Deadline(long end) => _end = end;

    /// <summary>No deadline.</summary>
    internal static Deadline Infinite => new(long.MaxValue);

    /// <summary>
    /// <paramref name="timeout"/> from now; null or <see cref="Timeout.InfiniteTimeSpan"/> for none.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative timeout other than infinite.</exception>
    internal static Deadline After(TimeSpan? timeout)
    {
        if (timeout is not { } t || t == Timeout.InfiniteTimeSpan) return Infinite;
        ArgumentOutOfRangeException.ThrowIfLessThan(t, TimeSpan.Zero, nameof(timeout));
        long ticks = (long)Math.Min(t.TotalSeconds * Stopwatch.Frequency, long.MaxValue / 2);
        return new(Stopwatch.GetTimestamp() + ticks);
    }

    internal bool IsInfinite => _end == long.MaxValue;

    /// <summary>Time left, never negative; <see cref="TimeSpan.MaxValue"/> if infinite.</summary>
    internal TimeSpan Remaining => IsInfinite
        ? TimeSpan.MaxValue
        : TimeSpan.FromSeconds(Math.Max(0, _end - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency);

    /// <summary>This deadline or <paramref name="most"/> from now, whichever comes first.</summary>
    internal Deadline Within(TimeSpan most)
        => new(Math.Min(_end, Stopwatch.GetTimestamp() + (long)(most.TotalSeconds * Stopwatch.Frequency)));

    internal bool HasPassed => !IsInfinite && Stopwatch.GetTimestamp() >= _end;
}
