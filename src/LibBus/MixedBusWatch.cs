using System.Diagnostics;

namespace LibBus;

/// <summary>
/// Whether C listeners seem to share the bus, so that the reads that detect them and the bounded
/// waits that shield them are paid only where they can help. While none has been seen, a
/// broadcaster takes one look every <see cref="LookInterval"/> (a semaphore read or two), a
/// listener one every interval per <see cref="ListenersPerInterval"/> listeners released with it
/// (itself included; at least one per interval), and otherwise each runs the protocol's steps alone, as the C baseline does; one sighting makes
/// every message looked at and shielded until <see cref="Memory"/> has passed without another.
/// </summary>
/// <remarks>
/// A sighting must be certain: on a bus of LibBus listeners a false one costs a shield at every
/// message for a second, and on a busy CPU a listener's shield costs every other listener a
/// context switch per message (issue 17). Both looks compare the listeners asleep in their wait
/// for Q just before a publish with W just after it (<see cref="Semaphores.ReleasedAtOnce"/>,
/// <see cref="Semaphores.ObserveRelease"/>). A listener's look can also see a hint that is not
/// certain (a counted listener without W: a C one in its callback, or a LibBus one a busy CPU kept
/// from its wait); it then looks again at the next few messages instead of a millisecond later.
/// A C listener that joins a bus watched as calm goes unnoticed for the messages sent before a
/// look sees it. Not thread-safe: a broadcaster uses its watch only while it holds the bus (X),
/// which serializes the broadcasts of every thread, and a listener session is used by one thread
/// at a time. The default value looks at the first message.
/// </remarks>
internal struct MixedBusWatch
{
    /// <summary>Longest time between two looks while the bus is watched as calm, for a broadcaster or a listener beside at most two others.</summary>
    internal static readonly long LookInterval = Stopwatch.Frequency / 1000; // 1 ms

    /// <summary>
    /// How many listeners one <see cref="LookInterval"/> is for: a listener that saw more
    /// released with it looks once per interval per this many of them, so that the listeners
    /// of a bus together look about this many times per interval, however many they are.
    /// </summary>
    internal const int ListenersPerInterval = 2;

    /// <summary>How long a sighting is remembered: every message stays looked at and shielded for as long after it.</summary>
    internal static readonly long Memory = Stopwatch.Frequency; // 1 s

    /// <summary>How many messages in a row a hint alone has looked at before looks are spaced out again.</summary>
    internal const int FollowUps = 3;

    private long _nextLook;   // timestamp; 0: look at the next message
    private long _mixedUntil; // timestamp; 0: calm
    private int _followUps;   // looks in a row taken because of a hint
    private bool _lookedBefore;

    /// <summary>Whether to look at this message (<paramref name="now"/> from <see cref="Stopwatch.GetTimestamp"/>).</summary>
    internal readonly bool ShouldLook(long now) => now >= _nextLook || now < _mixedUntil;

    /// <summary>Records a look that saw no message (a wait that timed out): the next one comes an interval later.</summary>
    internal void LookedAtNothing(long now) => _nextLook = now + LookInterval;

    /// <summary>
    /// Records what a look saw: a C listener for certain, or (<paramref name="hint"/>) maybe one.
    /// Returns whether to shield this message: while C listeners are seen, and on a hint at the
    /// first look, when a C listener that joined at the same time as this watch's owner would
    /// otherwise go unshielded until a look catches it asleep.
    /// </summary>
    /// <param name="now">The look's timestamp.</param>
    /// <param name="sawCListener">The look saw a C listener for certain.</param>
    /// <param name="hint">The look saw what may be a C listener.</param>
    /// <param name="listeners">
    /// A listener's look: the listeners it saw released with it, itself included (W). The next
    /// calm look then comes <see cref="LookInterval"/> × <c>listeners / </c><see cref="ListenersPerInterval"/>
    /// later (at least one interval): 16 listeners on one CPU each looking every millisecond took
    /// a tenth more semaphore calls than the protocol's own (issue 24). A sighting still makes
    /// the listener look at every message, and a hint at the next few. A broadcaster leaves it at 1.
    /// </param>
    internal bool Looked(long now, bool sawCListener, bool hint = false, int listeners = 1)
    {
        bool first = !_lookedBefore;
        _lookedBefore = true;
        if (sawCListener) _mixedUntil = now + Memory;
        if (hint && !sawCListener && _followUps < FollowUps)
        {
            _followUps++;
            _nextLook = 0;
        }
        else
        {
            _followUps = 0;
            _nextLook = now + LookInterval * Math.Max(1, listeners / ListenersPerInterval);
        }
        return now < _mixedUntil || (hint && first);
    }
}
