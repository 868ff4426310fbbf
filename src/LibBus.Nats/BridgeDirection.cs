namespace LibBus.Nats;

/// <summary>Which way a <see cref="BusBridge"/> carries messages.</summary>
public enum BridgeDirection
{
    /// <summary>Local bus to NATS only.</summary>
    Out = 1,

    /// <summary>NATS to the local bus only.</summary>
    In = 2,

    /// <summary>Both ways.</summary>
    Both = Out | In,
}
