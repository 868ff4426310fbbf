namespace LibBus;

/// <summary>
/// A broadcast could never complete because this same process holds the bus: one of its
/// own <see cref="BusSubscription"/>s has had a full buffer, unread, while the broadcast
/// waited (see <see cref="Bus.Subscribe(int)"/>). Nothing was sent.
/// </summary>
public sealed class BusDeadlockException(string message, string path)
    : BusException(message, path);
