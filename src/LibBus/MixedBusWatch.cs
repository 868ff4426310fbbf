using System.Diagnostics;

namespace LibBus;

/// <summary>
/// Whether C listeners seem to share the bus, so that the reads that detect them and the bounded
/// waits that shield them are paid only where they can help. While none has been seen, a
/// broadcaster or listener takes one look every <see cref="LookInterval"/> (a semaphore read or
/// two) and otherwise runs the protocol's steps alone, as the C baseline does; once looks see C
/// listeners, every message is looked at until the watch decides they are gone.
/// </summary>
/// <remarks>
/// A C listener that joins a bus watched as calm goes unnoticed for the messages sent before the
/// next look, at most <see cref="LookInterval"/> later. Not thread-safe: a broadcaster uses its
/// watch only while it holds the bus (X), which serializes the broadcasts of every thread, and a
/// listener session is used by one thread at a time.
/// </remarks>
/// <param name="seenToEnter">Consecutive looks that must see a C listener before every message is looked at.</param>
/// <param name="missedToLeave">Consecutive looks that must see none before looks are spaced out again (besides <see cref="Hold"/>).</param>
internal struct MixedBusWatch(int seenToEnter, int missedToLeave)
{
    /// <summary>Longest time between two looks while the bus is watched as calm.</summary>
    internal static readonly long LookInterval = Stopwatch.Frequency / 1000; // 1 ms

    /// <summary>How long after the last sighting every message stays looked at.</summary>
    internal static readonly long Hold = Stopwatch.Frequency; // 1 s

    /// <summary>
    /// For a broadcaster, whose look (<see cref="Semaphores.ReleasedAtOnce"/>) never mistakes a
    /// LibBus listener for a C one: one sighting is enough, and only <see cref="Hold"/> ends it.
    /// </summary>
    internal static MixedBusWatch ForBroadcaster => new(1, Never);

    /// <summary>As <c>missedToLeave</c>: misses never end the watch's mixed state, only <see cref="Hold"/> does.</summary>
    private const int Never = int.MaxValue;

    /// <summary>
    /// For a listener, whose look (<see cref="Semaphores.SomeoneCountedWithoutW"/>) also sees a
    /// LibBus listener that a busy CPU kept from its wait: three sightings in a row to enter,
    /// three misses in a row to leave.
    /// </summary>
    internal static MixedBusWatch ForListener => new(3, 3);

    private long _nextLook;   // timestamp; 0: look at the first message
    private long _mixedUntil; // timestamp; 0: calm
    private int _seen, _missed;

    /// <summary>Whether to look at this message (<paramref name="now"/> from <see cref="Stopwatch.GetTimestamp"/>).</summary>
    internal readonly bool ShouldLook(long now) => now >= _nextLook || now < _mixedUntil;

    /// <summary>Whether C listeners were seen lately enough that every message is looked at.</summary>
    internal readonly bool IsMixed(long now) => now < _mixedUntil;

    /// <summary>Records what a look saw.</summary>
    internal void Looked(long now, bool sawCListener)
    {
        _nextLook = now + LookInterval;
        if (sawCListener)
        {
            _missed = 0;
            if (_seen < seenToEnter) _seen++;
            if (_seen >= seenToEnter) _mixedUntil = now + Hold;
        }
        else
        {
            _seen = 0;
            if (missedToLeave == Never) return;
            if (_missed < missedToLeave) _missed++;
            if (_missed >= missedToLeave) _mixedUntil = 0;
        }
    }
}
