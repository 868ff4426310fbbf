namespace LibBus;

/// <summary>What an opened <see cref="Bus"/> will be used for.</summary>
[Flags]
public enum BusAccess
{
    /// <summary>Receive messages; the segment is attached read-only.</summary>
    Listen = 1,

    /// <summary>Send messages; the segment is attached read-write.</summary>
    Broadcast = 2,

    /// <summary>Both.</summary>
    ListenAndBroadcast = Listen | Broadcast,
}
