using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace LibBus;

/// <summary>
/// The broadcaster's shield for C listeners (PROTOCOL.md, "LibBus note, when to wait"): at its
/// publish (step 3) it looks, now and then, whether every listener asleep in its wait was
/// released at once, as hardened ones are (<see cref="MixedBusWatch"/>); while C listeners are
/// seen, it waits, bounded, between steps 4 and 5 until every listener holding W sleeps on N.
/// Reads semaphores, never changes one beyond the step it wraps.
/// </summary>
/// <remarks>
/// One per <see cref="Bus"/> handle, used only while that handle holds the bus (X), which
/// serializes every thread's broadcasts: the delivery it shields is the one in progress, whichever
/// thread finishes it (BroadcastAsync hands a published delivery over to its sending thread
/// under a lock).
/// </remarks>
internal struct BroadcasterShield
{
    private MixedBusWatch _watch;
    private bool _shielded; // the delivery in progress waits before step 5

    /// <summary>Step 3, <c>Q := 0</c>, with a look when one is due.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void Publish(Semaphores semaphores)
    {
        long now = Stopwatch.GetTimestamp();
        if (!_watch.ShouldLook(now))
        {
            semaphores.Publish();
            _shielded = false;
            return;
        }
        int asleep = semaphores.QueuedAsleep();
        semaphores.Publish();
        _shielded = _watch.Looked(now, sawCListener: !semaphores.ReleasedAtOnce(asleep));
    }

    /// <summary>Between steps 4 and 5: the bounded wait, if this delivery is shielded.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal readonly void BeforeEndingDelivery(Semaphores semaphores)
    {
        if (_shielded) semaphores.AwaitListenersAsleep();
    }
}
