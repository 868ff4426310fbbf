using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace LibBus;

/// <summary>
/// The listener's shield for C listeners (PROTOCOL.md, "LibBus note, how LibBus's listener
/// waits before step 5"): around its step 2 it looks, now and then, whether every listener
/// asleep in its wait before it was released at once with it (<see cref="MixedBusWatch"/>);
/// where C listeners are seen, it keeps holding W after the delivery, bounded, until they have
/// queued again, and only then issues step 5. Reads semaphores, never changes one.
/// </summary>
/// <remarks>Used by one listener session, one thread at a time.</remarks>
internal struct ListenerShield
{
    private MixedBusWatch _watch;
    private long _lookAt;     // timestamp of this message's look; 0: no look
    private int _asleep;      // the sleepers on Q read before step 2
    private int _releasedAtOnce; // > 0: keep holding W before step 5, for listeners beside these many

    /// <summary>Before step 2: a look, when one is due, reads the listeners asleep in their wait.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void BeforeWait(Semaphores semaphores)
    {
        long now = Stopwatch.GetTimestamp();
        _lookAt = _watch.ShouldLook(now) ? now : 0;
        _asleep = _lookAt != 0 ? semaphores.QueuedAsleep() : 0;
    }

    /// <summary>Step 2 brought nothing (no-wait, deadline): the next look comes an interval later.</summary>
    internal void NothingCame()
    {
        if (_lookAt != 0) _watch.LookedAtNothing(_lookAt);
    }

    /// <summary>Just after step 2: the look's verdict, and whether to keep holding W before step 5.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void Released(Semaphores semaphores)
    {
        _releasedAtOnce = 0;
        if (_lookAt == 0) return;
        long now = Stopwatch.GetTimestamp(); // the wait may have been long
        Semaphores.Release release = semaphores.ObserveRelease(_asleep);
        // While C listeners are seen, at every message: a look misses a C listener that was not
        // yet asleep in its wait.
        if (_watch.Looked(now, release.SawCListener, hint: release.MaybeCListener, listeners: release.ReleasedAtOnce))
            _releasedAtOnce = release.ReleasedAtOnce;
    }

    /// <summary>
    /// Before step 5: where C listeners were seen, keeps holding W past the end of the delivery
    /// (step 5's own <c>Z(N)</c> alone, with its deadline, no-wait and cancellation), then, bounded,
    /// until they have queued again: then this listener's step 5, not a C listener's <c>P(W)</c>,
    /// frees the bus for the next broadcaster. False if the delivery is still on (no-wait) or the
    /// deadline passed; called again, it waits again.
    /// </summary>
    internal bool BeforeRequeue(Semaphores semaphores, bool noWait, Deadline deadline, CancellationToken cancellationToken)
    {
        if (_releasedAtOnce == 0) return true;
        if (!semaphores.AwaitDeliveryOver(noWait, deadline, cancellationToken)) return false;
        semaphores.AwaitOthersQueued(_releasedAtOnce);
        _releasedAtOnce = 0;
        return true;
    }
}
