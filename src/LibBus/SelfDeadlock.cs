using System.Diagnostics;

namespace LibBus;

/// <summary>
/// The one way a process deadlocks itself on a bus, and its detection. A
/// <see cref="BusSubscription"/> whose buffer is full keeps its listener holding the bus
/// (W) until the consumer reads, which is the back-pressure it is meant to give. If the
/// same process then broadcasts on that bus and will only read after the broadcast
/// completes, nothing can move: the broadcast waits for W, W waits for the reader, the
/// reader waits for the broadcast. No other process can end it either.
/// </summary>
/// <remarks>
/// Each subscription records here, per semaphore array, when its buffer became full
/// (<see cref="Begin"/>). A broadcast of this process waiting to take the bus checks every
/// <see cref="CheckInterval"/>; once it has waited the bus handle's <see cref="Bus.StallLimit"/>
/// (<see cref="StallLimit"/> unless it was opened with another) while a
/// subscription of this process on the same bus has been full, unread, for as long, it
/// fails with <see cref="BusDeadlockException"/> instead of hanging silently. A reader
/// slower than that limit on one message looks the same, and gets the same exception.
/// </remarks>
internal static class SelfDeadlock
{
    /// <summary>How long a full, unread subscription and a waiting broadcast of this process together count as a deadlock.</summary>
    internal static readonly TimeSpan StallLimit = TimeSpan.FromSeconds(10);

    /// <summary>How often a waiting broadcast of <paramref name="bus"/> looks.</summary>
    internal static TimeSpan CheckInterval(Bus bus) => bus.StallLimit / 5;

    private static readonly Lock s_lock = new();
    private static readonly List<Stall> s_stalls = [];

    /// <summary>A subscription of <paramref name="semaphoreId"/>'s bus has a full buffer from now until the returned stall is disposed.</summary>
    internal static Stall Begin(int semaphoreId, int capacity)
    {
        var stall = new Stall(semaphoreId, capacity);
        lock (s_lock) s_stalls.Add(stall);
        return stall;
    }

    /// <summary>The subscription of this bus full for the longest time now, if any.</summary>
    internal static Stall? Longest(int semaphoreId)
    {
        lock (s_lock)
        {
            Stall? longest = null;
            foreach (Stall stall in s_stalls)
            {
                if (stall.SemaphoreId == semaphoreId && (longest is null || stall.Since < longest.Since))
                    longest = stall;
            }
            return longest;
        }
    }

    /// <summary>
    /// Throws once a broadcast of <paramref name="bus"/> that started taking the bus at
    /// <paramref name="start"/> has waited its <see cref="Bus.StallLimit"/>, and a full, unread
    /// subscription of this process on the same bus has been full as long (broadcast step 1
    /// checks between its slices).
    /// </summary>
    /// <exception cref="BusDeadlockException">This process's own full subscription holds the bus.</exception>
    internal static void ThrowIfStalled(Bus bus, long start)
    {
        TimeSpan limit = bus.StallLimit;
        TimeSpan waited = Stopwatch.GetElapsedTime(start);
        if (waited >= limit && Longest(bus.SemaphoreId) is { } stall && stall.Duration >= limit)
        {
            throw new BusDeadlockException(
                $"{bus.Path}: deadlock: this process's own subscription (capacity {stall.Capacity}) has had a full buffer, unread, " +
                $"for {stall.Duration.TotalSeconds:0} s and holds the bus, so this broadcast can never start; read the " +
                "subscription on another task while broadcasting, or give it a larger capacity", bus.Path);
        }
    }

    /// <summary>One full-buffer episode of one subscription.</summary>
    internal sealed class Stall(int semaphoreId, int capacity) : IDisposable
    {
        internal int SemaphoreId { get; } = semaphoreId;
        internal int Capacity { get; } = capacity;
        internal long Since { get; } = Stopwatch.GetTimestamp();
        internal TimeSpan Duration => Stopwatch.GetElapsedTime(Since);

        public void Dispose()
        {
            lock (s_lock) s_stalls.Remove(this);
        }
    }
}
