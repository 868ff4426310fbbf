using System.Buffers;
using System.Diagnostics;
using System.Threading.Channels;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace LibBus.Nats;

/// <summary>
/// Carries the messages of a local bus to a NATS subject (out) and those of other nodes from
/// that subject to the local bus (in), so that a broadcast on one machine reaches the listeners
/// of every machine whose bus is bridged to the same subject.
/// </summary>
/// <remarks>
/// <para>Out: the bridge is an ordinary listener of the bus; each message is copied into a bounded
/// buffer and published with the header <see cref="OriginHeader"/>: <see cref="OriginId"/>, which names
/// the bus (and so survives a restart of the bridge), a '/', and an id of this run of the bridge.
/// In: each message on the subject is broadcast on the local bus, one at a time in the order NATS
/// delivers them, each returning once every local listener copied it; messages that left this
/// bus (its <see cref="OriginId"/>) are never broadcast on it again, and with both directions the out
/// side skips the copies the in side broadcast, so nothing loops and nothing comes back to the bus it left.
/// Messages over 2047 bytes or with a NUL are rejected (counted) before they are buffered.</para>
/// <para>Plain NATS is at most once. With <see cref="BusBridgeOptions.Durable"/>, messages go
/// through a JetStream stream (published with a message id, so retries do not duplicate them)
/// and a durable consumer with one message in flight, each acknowledged only after its local
/// broadcast returned (with progress acknowledgements while the broadcast waits for slow listeners);
/// a message whose stream sequence was already broadcast is acknowledged and not broadcast again.</para>
/// <para>One bridge per bus: a bridge that receives a message another running bridge published
/// from its own bus ends with <see cref="BusBridgeConflictException"/>, since two bridges on one bus
/// would carry each other's broadcasts for ever.</para>
/// </remarks>
public sealed class BusBridge : IDisposable
{
    /// <summary>The NATS header that carries the origin of a published message: <see cref="OriginId"/>, '/', and the id of the bridge's run.</summary>
    public const string OriginHeader = "Bus-Origin";

    /// <summary>How long a stopping bridge goes on publishing what it had buffered.</summary>
    private static readonly TimeSpan DrainTime = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan RemovalCheck = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan BackoffMin = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan BackoffMax = TimeSpan.FromSeconds(5);

    /// <summary>Plain mode: NATS messages that may wait to be broadcast (each at most 2047 bytes: 2 MiB at most).</summary>
    internal const int InBufferCapacity = 1024;

    /// <summary>
    /// Durable mode: how long the out buffer stays full, the bus held, before the bridge calls it a hold
    /// (<see cref="HoldStarted"/>); a shorter wait is ordinary back-pressure, as from any slow listener.
    /// </summary>
    internal static readonly TimeSpan HoldAfter = TimeSpan.FromSeconds(1);

    private readonly Bus _bus;
    private readonly NatsConnection _connection;
    private readonly BusBridgeOptions _options;
    private readonly EchoFilter _echoes = new();
    private readonly Channel<Outgoing> _outgoing;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string _run = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));
    private int _started;
    private volatile bool _disconnected;
    private long _sequence;
    private ulong _streamStart;
    private ulong _delivered;
    /// <summary>When the publish under way started (<see cref="Stopwatch.GetTimestamp"/>); 0 between publishes.</summary>
    private long _publishingSince;

    /// <summary>Makes a bridge; <see cref="RunAsync"/> starts it.</summary>
    /// <param name="bus">The local bus, opened for what <see cref="BusBridgeOptions.Direction"/> needs (listen for out, broadcast for in).</param>
    /// <param name="connection">The NATS connection, with the caller's servers, credentials and TLS; the bridge does not dispose it.</param>
    /// <param name="options">The subject, direction and delivery mode.</param>
    /// <exception cref="ArgumentException">A bad subject, name or number in <paramref name="options"/>.</exception>
    public BusBridge(Bus bus, NatsConnection connection, BusBridgeOptions options)
    {
        ArgumentNullException.ThrowIfNull(bus);
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _bus = bus;
        _connection = connection;
        _options = options;
        OriginId = options.OriginId ?? BusIdentity.Of(bus);
        _outgoing = Channel.CreateBounded<Outgoing>(new BoundedChannelOptions(options.BufferCapacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        Counters = new BusBridgeCounters(OriginId);
        _connection.ConnectionDisconnected += OnDisconnected;
        _connection.ConnectionOpened += OnOpened;
        _connection.MessageDropped += OnMessageDropped;
    }

    /// <summary>
    /// This bridge's origin mark, sent in <see cref="OriginHeader"/>: by default it names the bus (its
    /// machine's boot, IPC namespace and keys), so it is the same for every run of a bridge on that bus.
    /// </summary>
    public string OriginId { get; }

    /// <summary>What the bridge has carried and lost.</summary>
    public BusBridgeCounters Counters { get; }

    /// <summary>Completes once the bridge listens on the bus (out) and is subscribed on NATS (in): from then on nothing is missed.</summary>
    public Task Ready => _ready.Task;

    /// <summary>
    /// Durable mode: the bridge starts holding local broadcasters. Its out buffer
    /// (<see cref="BusBridgeOptions.BufferCapacity"/>) has been full for a second, NATS confirming no publish (a
    /// server down or restarting, a cluster electing a stream leader, no server reachable), so it takes no message
    /// from its bus, and broadcasts there wait as they wait for a stopped listener; nothing is lost.
    /// <see cref="HoldEnded"/> follows, once NATS confirms a publish or the bridge stops.
    /// </summary>
    /// <remarks>
    /// A shorter wait is ordinary back-pressure and raises nothing. Never raised in plain mode (which drops
    /// instead) nor with <see cref="BridgeDirection.In"/> alone. Raised on the bridge's thread that listens on
    /// the bus, once per hold, never per message; that thread waits for the handlers, so keep them short (the
    /// bus is held meanwhile). An exception from a handler ends the bridge: <see cref="RunAsync"/> throws it.
    /// <see cref="BusBridgeCounters.Holding"/> and <see cref="BusBridgeCounters.Holds"/> tell the same.
    /// </remarks>
    public event EventHandler<BusBridgeHoldEventArgs>? HoldStarted;

    /// <summary>
    /// Durable mode: a hold told by <see cref="HoldStarted"/> ends, because NATS confirmed a publish (the bridge
    /// takes messages from its bus again) or the bridge stops. Raised as <see cref="HoldStarted"/> is, once for each.
    /// </summary>
    public event EventHandler<BusBridgeHoldEventArgs>? HoldEnded;

    /// <summary>
    /// Runs the bridge until <paramref name="cancellationToken"/> is cancelled (then throws
    /// <see cref="OperationCanceledException"/>) or the bus is removed (then throws
    /// <see cref="BusRemovedException"/>). Keeps running while NATS is unreachable.
    /// </summary>
    /// <exception cref="NatsJSApiException">Durable mode: JetStream refused the stream or consumer.</exception>
    /// <exception cref="NatsNoRespondersException">Durable mode: the server has no JetStream.</exception>
    /// <exception cref="BusBridgeConflictException">Another bridge carries the same bus.</exception>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0) throw new InvalidOperationException("the bridge is already running");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        CancellationToken token = stop.Token;
        // The publisher stops last: on a stop it first publishes what the listener had buffered.
        using var stopPublishing = new CancellationTokenSource();
        // The in side's broadcast under way when the bridge is stopped may finish (and be acknowledged) as long.
        using var stopBroadcasting = new CancellationTokenSource();
        Task? receiving = null;
        Task? publishing = null;
        var parts = new List<Task>();
        try
        {
            INatsJSConsumer? consumer = null;
            NatsJSContext? js = _options.Durable is null ? null : new NatsJSContext(_connection);
            if (js is not null)
            {
                // While NATS is unreachable or JetStream has no leader yet, keep trying.
                string stream = "";
                await RetryAsync(async () => stream = await EnsureStreamAsync(js, token).ConfigureAwait(false), token).ConfigureAwait(false);
                if (_options.Direction.HasFlag(BridgeDirection.In))
                    await RetryAsync(async () => consumer = await js.CreateOrUpdateConsumerAsync(stream, new ConsumerConfig(NatsNames.ConsumerName(_options.Durable!))
                    {
                        AckPolicy = ConsumerConfigAckPolicy.Explicit,
                        DeliverPolicy = ConsumerConfigDeliverPolicy.New,
                        FilterSubject = _options.Subject,
                        AckWait = _options.AckWait,
                        // One at a time: the next message only once this one is acknowledged, so that
                        // nothing overtakes a message that waits for slow listeners or is redelivered.
                        MaxAckPending = 1,
                    }, token).ConfigureAwait(false), token).ConfigureAwait(false);
            }

            if (_options.Direction.HasFlag(BridgeDirection.Out))
            {
                var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                parts.Add(ListenLocally(listening, token));
                await Task.WhenAny(listening.Task, parts[0]).ConfigureAwait(false);
                if (parts[0].IsCompleted) await parts[0].ConfigureAwait(false);
                publishing = PublishAsync(js, stopPublishing.Token);
                parts.Add(publishing);
            }
            else
            {
                parts.Add(WatchForRemovalAsync(token));
            }

            if (_options.Direction.HasFlag(BridgeDirection.In))
            {
                var subscribed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                receiving = consumer is null
                    ? ReceivePlainAsync(subscribed, token, stopBroadcasting.Token)
                    : ReceiveDurableAsync(consumer, subscribed, token, stopBroadcasting.Token);
                parts.Add(receiving);
                await Task.WhenAny(subscribed.Task, parts[^1]).ConfigureAwait(false);
                if (parts[^1].IsCompleted) await parts[^1].ConfigureAwait(false);
            }
            _ready.TrySetResult();
            // A part ends by failing or by cancellation, except the publisher, which ends once the
            // listener has ended and everything it copied is published: then the listener's end counts.
            var running = new List<Task>(parts);
            while (running.Count > 0)
            {
                Task ended = await Task.WhenAny(running).ConfigureAwait(false);
                await ended.ConfigureAwait(false);
                running.Remove(ended);
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            Task[] draining = new[] { publishing, receiving }.OfType<Task>().ToArray();
            if (draining.Length > 0)
            {
                await Task.WhenAny(Task.WhenAll(draining), Task.Delay(DrainTime, CancellationToken.None)).ConfigureAwait(false);
                await stopPublishing.CancelAsync().ConfigureAwait(false);
                await stopBroadcasting.CancelAsync().ConfigureAwait(false);
            }
            try
            {
                await Task.WhenAll(parts).ConfigureAwait(false);
            }
            catch (Exception) when (parts.Any(p => p.IsFaulted || p.IsCanceled))
            {
                // The first failure was thrown above; the others follow from the stop.
            }
            _ready.TrySetCanceled(CancellationToken.None);
        }
    }

    /// <summary>Stops counting connection events.</summary>
    public void Dispose()
    {
        _connection.ConnectionDisconnected -= OnDisconnected;
        _connection.ConnectionOpened -= OnOpened;
        _connection.MessageDropped -= OnMessageDropped;
        Counters.Dispose();
    }

    /// <summary>Makes the stream if missing; notes its last sequence, after which a message from this bus that is not this run's is another bridge's.</summary>
    private async Task<string> EnsureStreamAsync(NatsJSContext js, CancellationToken token)
    {
        string name = _options.Stream ?? NatsNames.DefaultStream(_options.Subject);
        try
        {
            INatsJSStream existing = await js.GetStreamAsync(name, cancellationToken: token).ConfigureAwait(false);
            _streamStart = existing.Info.State.LastSeq;
        }
        catch (NatsJSApiException e) when (e.Error.Code == 404)
        {
            try
            {
                await js.CreateStreamAsync(new StreamConfig(name, [_options.Subject])
                {
                    NumReplicas = _options.StreamReplicas,
                    MaxAge = _options.StreamMaxAge,
                    Storage = StreamConfigStorage.File,
                }, token).ConfigureAwait(false);
            }
            catch (NatsJSApiException created) when (created.Error.ErrCode == 10058)
            {
                // Another bridge made it meanwhile.
            }
        }
        return name;
    }

    // ---- out: local bus to NATS ----

    private Task ListenLocally(TaskCompletionSource listening, CancellationToken token)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                _bus.ListenBytes(OnLocalMessage, () => listening.TrySetResult(), token);
                done.TrySetResult();
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                done.TrySetCanceled(token);
            }
            catch (Exception e)
            {
                done.TrySetException(e);
            }
            finally
            {
                _outgoing.Writer.TryComplete();
            }
        })
        {
            IsBackground = true,
            Name = "bus bridge listener",
        };
        thread.Start();
        return done.Task;

        bool OnLocalMessage(ReadOnlySpan<byte> message)
        {
            if (_echoes.IsEcho(message)) return true;
            byte[] copy = ArrayPool<byte>.Shared.Rent(Math.Max(message.Length, 1));
            message.CopyTo(copy);
            var item = new Outgoing(copy, message.Length);
            if (_outgoing.Writer.TryWrite(item)) return true;
            if (_options.Durable is null)
            {
                ArrayPool<byte>.Shared.Return(copy);
                Counters.CountDropped();
                return true;
            }
            // Durable: hold the bus back rather than lose the message.
            return WaitForRoom(item, token);
        }
    }

    /// <summary>
    /// Durable mode, the out buffer full: waits until the publisher makes room, holding the bus meanwhile.
    /// A wait past <see cref="HoldAfter"/> is a hold, told by <see cref="HoldStarted"/> and then <see cref="HoldEnded"/>.
    /// </summary>
    private bool WaitForRoom(Outgoing item, CancellationToken token)
    {
        long blocked = Stopwatch.GetTimestamp();
        long started = 0;
        BusBridgeHoldEventArgs? hold = null;
        try
        {
            while (!_outgoing.Writer.TryWrite(item))
            {
                Task<bool> room = _outgoing.Writer.WaitToWriteAsync(token).AsTask();
                if (hold is null && !Completes(room, HoldAfter - Stopwatch.GetElapsedTime(blocked)))
                {
                    started = Stopwatch.GetTimestamp();
                    long publishing = Volatile.Read(ref _publishingSince);
                    // The buffer's messages, the one being published, and the one this thread holds.
                    int waiting = _outgoing.Reader.Count + (publishing == 0 ? 0 : 1) + 1;
                    hold = new BusBridgeHoldEventArgs(Stopwatch.GetElapsedTime(blocked, started),
                        Stopwatch.GetElapsedTime(publishing == 0 ? blocked : Math.Min(publishing, blocked), started), waiting);
                    Counters.StartHold();
                    HoldStarted?.Invoke(this, hold);
                }
                if (!room.GetAwaiter().GetResult()) return false;
            }
            return true;
        }
        finally
        {
            if (hold is not null)
            {
                long ended = Stopwatch.GetTimestamp();
                Counters.EndHold();
                HoldEnded?.Invoke(this, new BusBridgeHoldEventArgs(Stopwatch.GetElapsedTime(blocked, ended),
                    hold.Unconfirmed + Stopwatch.GetElapsedTime(started, ended), hold.Waiting));
            }
        }
    }

    /// <summary>Waits up to <paramref name="timeout"/> (none if negative) for <paramref name="task"/>; true once it ended, however.</summary>
    private static bool Completes(Task task, TimeSpan timeout)
    {
        try
        {
            return task.Wait(timeout > TimeSpan.Zero ? timeout : TimeSpan.Zero);
        }
        catch (AggregateException)
        {
            return true;
        }
    }

    private async Task PublishAsync(NatsJSContext? js, CancellationToken token)
    {
        await foreach (Outgoing item in _outgoing.Reader.ReadAllAsync(token).ConfigureAwait(false))
        {
            Volatile.Write(ref _publishingSince, Stopwatch.GetTimestamp());
            try
            {
                var data = new ReadOnlyMemory<byte>(item.Buffer, 0, item.Length);
                var headers = new NatsHeaders { [OriginHeader] = OriginId + "/" + _run };
                if (js is null)
                {
                    await _connection.PublishAsync(_options.Subject, data, headers, cancellationToken: token).ConfigureAwait(false);
                }
                else
                {
                    // Unique per run: a restarted bridge's first ids must not fall in the stream's duplicate window.
                    string id = OriginId + "-" + _run + "-" + Interlocked.Increment(ref _sequence).ToString(System.Globalization.CultureInfo.InvariantCulture);
                    await RetryAsync(async () =>
                    {
                        PubAckResponse ack = await js.PublishAsync(_options.Subject, data, headers: headers,
                            opts: new NatsJSPubOpts { MsgId = id }, cancellationToken: token).ConfigureAwait(false);
                        ack.EnsureSuccess();
                    }, token).ConfigureAwait(false);
                }
                Counters.CountOut();
            }
            catch (NatsException) when (js is null && !token.IsCancellationRequested)
            {
                Counters.CountDropped();
            }
            finally
            {
                Volatile.Write(ref _publishingSince, 0);
                ArrayPool<byte>.Shared.Return(item.Buffer);
            }
        }
        // The listener has left the bus and everything it copied is published.
    }

    // ---- in: NATS to local bus ----

    private async Task ReceivePlainAsync(TaskCompletionSource subscribed, CancellationToken token, CancellationToken broadcasting)
    {
        // Checked as they are read off the socket (Incoming), so that only valid bus messages wait, and
        // at most InBufferCapacity of them: past that, NATS drops the newest (counted in OnMessageDropped).
        await using INatsSub<Incoming> subscription = await _connection.SubscribeCoreAsync(_options.Subject, serializer: Incoming.Deserializer,
            opts: new NatsSubOpts { ChannelOpts = new NatsSubChannelOpts { Capacity = InBufferCapacity, FullMode = BoundedChannelFullMode.DropNewest } },
            cancellationToken: token).ConfigureAwait(false);
        // SUB is written once connected; a PING round trip makes sure the server has it.
        await _connection.PingAsync(token).ConfigureAwait(false);
        subscribed.TrySetResult();
        await foreach (NatsMsg<Incoming> message in subscription.Msgs.ReadAllAsync(token).ConfigureAwait(false))
            if (IsForThisBus(message.Headers, streamSequence: 0)) Deliver(message.Data, broadcasting);
        token.ThrowIfCancellationRequested();
        throw new NatsException($"the subscription to '{_options.Subject}' ended");
    }

    private async Task ReceiveDurableAsync(INatsJSConsumer consumer, TaskCompletionSource subscribed, CancellationToken token, CancellationToken broadcasting)
    {
        subscribed.TrySetResult(); // the durable consumer keeps our place from its creation on
        TimeSpan backoff = BackoffMin;
        while (true)
        {
            try
            {
                // One message at a time (the consumer's MaxAckPending is 1 too): nothing else waits in memory.
                await foreach (NatsJSMsg<Incoming> message in consumer.ConsumeAsync(Incoming.Deserializer, new NatsJSConsumeOpts { MaxMsgs = 1 }, token).ConfigureAwait(false))
                {
                    ulong sequence = message.Metadata?.Sequence.Stream ?? 0;
                    if (sequence != 0 && sequence <= _delivered)
                    {
                        // Broadcast already; its acknowledgement was lost or came after the ack wait.
                        Counters.CountRedelivered();
                    }
                    else
                    {
                        if (IsForThisBus(message.Headers, sequence)) await DeliverDurableAsync(message, broadcasting).ConfigureAwait(false);
                        _delivered = sequence;
                    }
                    // Also once stopped, while the drain time lasts: a broadcast that returned is acknowledged.
                    await RetryAsync(async () => await message.AckAsync(new AckOpts { DoubleAck = true }, broadcasting).ConfigureAwait(false), broadcasting).ConfigureAwait(false);
                    backoff = BackoffMin;
                }
            }
            catch (Exception e) when (IsTransient(e) && !token.IsCancellationRequested)
            {
                await Task.Delay(backoff, token).ConfigureAwait(false);
                backoff = Next(backoff);
            }
        }
    }

    /// <summary>
    /// False for a message that left this bus (its origin is <see cref="OriginId"/>). Such a message
    /// from another run of a bridge is this bridge's past (published before <see cref="_streamStart"/>,
    /// in durable mode) or another bridge on the same bus (then <see cref="BusBridgeConflictException"/>).
    /// </summary>
    private bool IsForThisBus(NatsHeaders? headers, ulong streamSequence)
    {
        if (headers is null || !headers.TryGetValue(OriginHeader, out var values) || values.Count == 0) return true;
        string value = values[0] ?? "";
        int slash = value.LastIndexOf('/');
        string origin = slash < 0 ? value : value[..slash];
        if (origin != OriginId) return true;
        string run = slash < 0 ? "" : value[(slash + 1)..];
        if (run != _run && (streamSequence == 0 || streamSequence > _streamStart))
            throw new BusBridgeConflictException(
                $"another bridge (run {run}) publishes the messages of this bus on '{_options.Subject}': two bridges on one bus " +
                "would carry each other's broadcasts for ever; run one bridge per bus");
        return false;
    }

    /// <summary>
    /// <see cref="Deliver"/> for a JetStream message: while the broadcast waits for slow listeners,
    /// tells the server every third of the ack wait that the message is in progress, so that it is not redelivered.
    /// </summary>
    private async Task DeliverDurableAsync(NatsJSMsg<Incoming> message, CancellationToken token)
    {
        using var delivered = CancellationTokenSource.CreateLinkedTokenSource(token);
        Task progress = KeepInProgressAsync(message, delivered.Token);
        try
        {
            Deliver(message.Data, token);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Stopped before the broadcast returned: hand the message back, so that the next run gets
            // it at once instead of after the ack wait (with one message in flight, nothing else comes meanwhile).
            try
            {
                await message.NakAsync(cancellationToken: CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(2), CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (IsTransient(e))
            {
                // Then the ack wait hands it back.
            }
            throw;
        }
        finally
        {
            await delivered.CancelAsync().ConfigureAwait(false);
            await progress.ConfigureAwait(false);
        }
    }

    private async Task KeepInProgressAsync(NatsJSMsg<Incoming> message, CancellationToken token)
    {
        try
        {
            while (true)
            {
                await Task.Delay(_options.AckWait / 3, token).ConfigureAwait(false);
                await message.AckProgressAsync(cancellationToken: token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException || IsTransient(e))
        {
            // Done, or the connection is away: the message may be redelivered, and is then skipped.
        }
    }

    /// <summary>Broadcasts one message from NATS on the local bus; returns once every local listener copied it.</summary>
    private void Deliver(Incoming? incoming, CancellationToken token)
    {
        // A NATS message without payload (no Incoming at all) is the empty bus message.
        byte[] message = incoming is null ? [] : incoming.Data!;
        if (incoming is { Data: null })
        {
            Counters.CountRejected(incoming.Rejection);
            return;
        }
        bool expect = _options.Direction.HasFlag(BridgeDirection.Out);
        if (expect) _echoes.Expect(message);
        try
        {
            _bus.Broadcast(message, timeout: null, token);
        }
        catch
        {
            if (expect) _echoes.Forget(message);
            throw;
        }
        Counters.CountIn();
    }

    private async Task WatchForRemovalAsync(CancellationToken token)
    {
        while (true)
        {
            await Task.Delay(RemovalCheck, token).ConfigureAwait(false);
            _bus.GetSemaphoreValues(); // throws BusRemovedException once the bus is gone
        }
    }

    // ---- connection events and retries ----

    private ValueTask OnDisconnected(object? sender, NatsEventArgs args)
    {
        _disconnected = true;
        return ValueTask.CompletedTask;
    }

    private ValueTask OnOpened(object? sender, NatsEventArgs args)
    {
        if (_disconnected)
        {
            _disconnected = false;
            Counters.CountReconnect();
        }
        return ValueTask.CompletedTask;
    }

    private ValueTask OnMessageDropped(object? sender, NatsMessageDroppedEventArgs args)
    {
        if (args.Subject == _options.Subject) Counters.CountDropped();
        return ValueTask.CompletedTask;
    }

    /// <summary>Retries a JetStream call with growing pauses until it succeeds or <paramref name="token"/> is cancelled.</summary>
    private static async Task RetryAsync(Func<Task> call, CancellationToken token)
    {
        TimeSpan backoff = BackoffMin;
        while (true)
        {
            try
            {
                await call().ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (IsTransient(e) && !token.IsCancellationRequested)
            {
                await Task.Delay(backoff, token).ConfigureAwait(false);
                backoff = Next(backoff);
            }
        }
    }


    /// <summary>
    /// A failure that time may cure: no connection, no answer, JetStream without a leader (503).
    /// Not a refusal such as a bad configuration or JetStream not enabled.
    /// </summary>
    internal static bool IsTransient(Exception e) => e switch
    {
        NatsJSApiException api => api.Error.Code == 503 && api.Error.ErrCode is not (10039 or 10076),
        // Nobody answers the JetStream API: the server runs without JetStream.
        NatsNoRespondersException => false,
        NatsException or TimeoutException => true,
        _ => false,
    };

    private static TimeSpan Next(TimeSpan backoff) => backoff * 2 < BackoffMax ? backoff * 2 : BackoffMax;

    private readonly record struct Outgoing(byte[] Buffer, int Length);
}
