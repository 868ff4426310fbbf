namespace LibBus;

/// <summary>The semaphore array of a bus: ownership, identifiers, times and the five semaphores.</summary>
/// <param name="Id">Identifier (as <c>ipcs -s</c> shows it).</param>
/// <param name="Ownership">Owner, group, mode.</param>
/// <param name="LastOperation"><c>sem_otime</c>: the last <c>semop</c>, or null if none yet.</param>
/// <param name="LastChange"><c>sem_ctime</c>: creation, the last <c>SETVAL</c> (every publish sets Q to 0) or the last chmod/chown.</param>
/// <param name="Semaphores">S, W, X, Q, N in that order.</param>
public sealed record BusSemaphoreArrayStatus(int Id, BusOwnership Ownership, DateTimeOffset? LastOperation, DateTimeOffset LastChange,
    IReadOnlyList<BusSemaphore> Semaphores)
{
    /// <summary>S: listeners queued for the next message (during a delivery, those that have not acknowledged it).</summary>
    public BusSemaphore S => Semaphores[global::LibBus.Semaphores.S];

    /// <summary>W: listeners released with the last message that have not re-queued; a broadcaster waits for 0.</summary>
    public BusSemaphore W => Semaphores[global::LibBus.Semaphores.W];

    /// <summary>X: the broadcaster lock (1 free, 0 held).</summary>
    public BusSemaphore X => Semaphores[global::LibBus.Semaphores.X];

    /// <summary>Q: 0 while a message is published; waiting listeners wait for 0.</summary>
    public BusSemaphore Q => Semaphores[global::LibBus.Semaphores.Q];

    /// <summary>N: 1 while a delivery is in progress.</summary>
    public BusSemaphore N => Semaphores[global::LibBus.Semaphores.N];
}
