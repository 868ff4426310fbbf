namespace LibBus.Nats;

/// <summary>What a <see cref="BusBridge"/> bridges, and how.</summary>
public sealed record BusBridgeOptions
{
    /// <summary>The NATS subject the messages travel on; no wildcards (see <see cref="NatsNames.CheckSubject"/>).</summary>
    public required string Subject { get; init; }

    /// <summary>Which way messages go; both by default.</summary>
    public BridgeDirection Direction { get; init; } = BridgeDirection.Both;

    /// <summary>
    /// Null for plain NATS (at most once). Otherwise the name of this bridge's durable JetStream
    /// consumer, one per node: messages go through a JetStream stream and each is acknowledged only
    /// after the local broadcast returned, so a restarted bridge catches up. Letters, digits, '-', '_'
    /// and '.' (a host name will do; the consumer's name has '_' for each '.', see <see cref="NatsNames.ConsumerName"/>).
    /// </summary>
    public string? Durable { get; init; }

    /// <summary>
    /// Durable mode: how long JetStream waits for the acknowledgement of a delivered message before it
    /// delivers it again. While a broadcast waits for slow listeners, the bridge tells the server
    /// every third of this time that it is still working on the message. 30 s by default.
    /// </summary>
    public TimeSpan AckWait { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The JetStream stream (durable mode); null for <see cref="NatsNames.DefaultStream"/> of the subject. Made if missing.</summary>
    public string? Stream { get; init; }

    /// <summary>Replicas of a stream the bridge makes (1 to 5); for a stream that survives a server of a cluster, 3.</summary>
    public int StreamReplicas { get; init; } = 1;

    /// <summary>How long a stream the bridge makes keeps messages: a durable bridge away longer misses them.</summary>
    public TimeSpan StreamMaxAge { get; init; } = TimeSpan.FromDays(1);

    /// <summary>
    /// How many local messages may wait to be published. When full, plain mode drops the new message
    /// (counted in <see cref="BusBridgeCounters.Dropped"/>); durable mode stops taking messages from the
    /// bus, which holds local broadcasters back as a slow listener does.
    /// </summary>
    public int BufferCapacity { get; init; } = 4096;

    /// <summary>
    /// The bridge's origin mark; null (the default) for one that names the bus (see <see cref="BusBridge.OriginId"/>),
    /// the same for every run of a bridge on it, so that no restarted bridge takes its own messages for another bus's.
    /// </summary>
    public string? OriginId { get; init; }

    internal void Validate()
    {
        NatsNames.CheckSubject(Subject);
        if (Direction is not (BridgeDirection.Out or BridgeDirection.In or BridgeDirection.Both))
            throw new ArgumentOutOfRangeException(nameof(Direction), Direction, "not out, in or both");
        if (Durable is not null) NatsNames.ConsumerName(Durable);
        ArgumentOutOfRangeException.ThrowIfLessThan(AckWait, TimeSpan.FromSeconds(1));
        if (Stream is not null) NatsNames.CheckName(Stream, "stream name");
        ArgumentOutOfRangeException.ThrowIfLessThan(StreamReplicas, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(StreamReplicas, 5);
        ArgumentOutOfRangeException.ThrowIfLessThan(BufferCapacity, 1);
        if (OriginId is { Length: 0 }) throw new ArgumentException("empty origin id", nameof(OriginId));
    }
}
