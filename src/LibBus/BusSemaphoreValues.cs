namespace LibBus;

/// <summary>
/// The five semaphores of a bus at one instant (<c>semctl(GETALL)</c>), by their letters in
/// PROTOCOL.md, for diagnostics (<see cref="Bus.GetSemaphoreValues"/>).
/// </summary>
/// <param name="S">Listeners queued for the next message, or during a delivery those that have not acknowledged it.</param>
/// <param name="W">Listeners released with the last message that have not re-queued yet; broadcasters wait for it to be 0.</param>
/// <param name="X">The broadcaster lock: 1 free, 0 held.</param>
/// <param name="Q">0 while a message is published; listeners wait for it to be 0.</param>
/// <param name="N">1 while a delivery is in progress.</param>
public readonly record struct BusSemaphoreValues(ushort S, ushort W, ushort X, ushort Q, ushort N)
{
    /// <summary>The values in the array's order (S W X Q N), as <c>GETALL</c> reads them.</summary>
    internal static BusSemaphoreValues From(ushort[] values)
        => new(values[Semaphores.S], values[Semaphores.W], values[Semaphores.X], values[Semaphores.Q], values[Semaphores.N]);
}
