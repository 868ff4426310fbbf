namespace LibBus.Nats;

/// <summary>Why a message from NATS was not broadcast on the bus: it is not a bus message.</summary>
internal enum BusBridgeRejection
{
    /// <summary>Longer than <see cref="BusMessage.MaxLength"/> (2047) bytes.</summary>
    TooLong = 1,

    /// <summary>Contains a NUL byte, which ends a bus message.</summary>
    Nul = 2,
}
