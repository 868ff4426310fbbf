namespace LibBus;

/// <summary>
/// One semaphore of the array as the kernel reports it: its value, and how many processes
/// are blocked in a <c>semop</c> whose blocking operation is on this semaphore.
/// </summary>
/// <param name="Name">S, W, X, Q or N (PROTOCOL.md).</param>
/// <param name="Value"><c>semctl(GETALL)</c>.</param>
/// <param name="WaitingForIncrease"><c>semctl(GETNCNT)</c>: processes waiting in a P on it.</param>
/// <param name="WaitingForZero"><c>semctl(GETZCNT)</c>: processes waiting in a Z on it.</param>
public sealed record BusSemaphore(string Name, int Value, int WaitingForIncrease, int WaitingForZero);
