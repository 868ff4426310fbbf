using LibBus.Nats.Tests.Infrastructure;
using LibBus.TestSupport;

namespace LibBus.Nats.Tests;

/// <summary>
/// The library's bridge between buses of one process (each bus a "node"), through a real
/// nats-server on 127.0.0.1: what arrives, how often, and what never comes back.
/// </summary>
public sealed class BridgeTests : IDisposable
{
    private readonly TestResources _resources = new();
    private IpcScope _ipc => _resources.Ipc;

    private T Own<T>(T item) where T : IDisposable => _resources.Own(item);

    public void Dispose() => _resources.Dispose();

    private static BusBridgeOptions Options(string subject, BridgeDirection direction = BridgeDirection.Both, string? durable = null)
        => new() { Subject = subject, Direction = direction, Durable = durable };

    /// <summary>Waits long enough for a stray copy (a loop, an echo) to show, then checks nothing more came.</summary>
    private static void NothingMoreArrives(params (Node Node, int Count)[] nodes)
    {
        // A loop would keep going: give it time (all in memory on loopback, so well past a round trip).
        Thread.Sleep(TimeSpan.FromSeconds(1));
        foreach ((Node node, int count) in nodes)
            Assert.True(node.Received.Length == count, $"node {node.Name}: expected {count} messages, got {node.Received.Length}: [{string.Join(" | ", node.Received)}]");
    }

    [NatsFact]
    public void A_broadcast_on_one_node_reaches_the_other_node_once_and_does_not_come_back()
    {
        var server = Own(NatsServer.Start());
        var a = Own(new Node("a", _ipc));
        var b = Own(new Node("b", _ipc));
        a.StartBridge(server.Url, Options("bus.test", BridgeDirection.Out));
        b.StartBridge(server.Url, Options("bus.test", BridgeDirection.In));

        a.Broadcast("1 hello from a");

        Assert.Equal(["1 hello from a"], b.WaitForMessages(1));
        NothingMoreArrives((a, 1), (b, 1));
        Assert.Equal(1, a.Bridge!.Counters.ForwardedOut);
        Assert.Equal(1, b.Bridge!.Counters.ForwardedIn);
    }

    [NatsFact]
    public void Both_directions_on_two_nodes_deliver_every_message_once_in_order_and_nothing_loops()
    {
        var server = Own(NatsServer.Start());
        var a = Own(new Node("a", _ipc));
        var b = Own(new Node("b", _ipc));
        a.StartBridge(server.Url, Options("bus.both"));
        b.StartBridge(server.Url, Options("bus.both"));

        string[] fromA = Enumerable.Range(0, 25).Select(i => $"1 a{i}").ToArray();
        string[] fromB = Enumerable.Range(0, 25).Select(i => $"2 b{i}").ToArray();
        var sendA = Task.Run(() => { foreach (string m in fromA) a.Broadcast(m); });
        var sendB = Task.Run(() => { foreach (string m in fromB) b.Broadcast(m); });
        Eventually.Done(Task.WhenAll(sendA, sendB), TimeSpan.FromSeconds(60), "the broadcasts");

        a.WaitForMessages(50);
        b.WaitForMessages(50);
        NothingMoreArrives((a, 50), (b, 50));
        foreach (Node node in new[] { a, b })
        {
            // Each message exactly once, and each node's messages in the order they were sent.
            Assert.Equal(fromA, node.Received.Where(m => m.StartsWith("1 ", StringComparison.Ordinal)));
            Assert.Equal(fromB, node.Received.Where(m => m.StartsWith("2 ", StringComparison.Ordinal)));
            Assert.Equal(25, node.Bridge!.Counters.ForwardedOut);
            Assert.Equal(25, node.Bridge.Counters.ForwardedIn);
            Assert.Equal(0, node.Bridge.Counters.Dropped);
        }
    }

    [NatsFact]
    public void Three_nodes_each_get_every_other_nodes_messages_once()
    {
        var server = Own(NatsServer.Start());
        Node[] nodes = [Own(new Node("a", _ipc)), Own(new Node("b", _ipc)), Own(new Node("c", _ipc))];
        foreach (Node node in nodes) node.StartBridge(server.Url, Options("bus.three"));

        for (int i = 0; i < nodes.Length; i++) nodes[i].Broadcast($"{i + 1} from {nodes[i].Name}");

        foreach (Node node in nodes) node.WaitForMessages(3);
        NothingMoreArrives(nodes.Select(n => (n, 3)).ToArray());
        foreach (Node node in nodes)
            Assert.Equal(["1 from a", "2 from b", "3 from c"], node.Received.Order(StringComparer.Ordinal));
    }

    [NatsFact]
    public void The_bytes_arrive_exactly_as_broadcast()
    {
        var server = Own(NatsServer.Start());
        var a = Own(new Node("a", _ipc));
        var b = Own(new Node("b", _ipc));
        a.StartBridge(server.Url, Options("bus.bytes"));
        b.StartBridge(server.Url, Options("bus.bytes"));
        string longest = "0 " + new string('x', BusMessage.MaxLength - 2);
        string[] messages = ["0 grüße, 世界 ✓", longest, "", "no pid convention at all", "0 \t tabs and\nnewlines"];

        foreach (string m in messages) a.Broadcast(m);

        Assert.Equal(messages, b.WaitForMessages(messages.Length));
    }

    [NatsFact]
    public void A_bridge_that_both_listens_and_broadcasts_does_not_republish_what_it_broadcast()
    {
        // Node b's bridge broadcasts a's message on b's bus, where its own listener copies it:
        // the echo filter must skip that copy, or a would get its own message back from b.
        var server = Own(NatsServer.Start());
        var a = Own(new Node("a", _ipc));
        var b = Own(new Node("b", _ipc));
        a.StartBridge(server.Url, Options("bus.echo"));
        b.StartBridge(server.Url, Options("bus.echo"));
        // The same bytes sent locally on b right after are b's own and must leave b.
        a.Broadcast("0 same");
        b.WaitForMessages(1);
        b.Broadcast("0 same");
        a.WaitForMessages(2);
        NothingMoreArrives((a, 2), (b, 2));
        Assert.Equal(1, b.Bridge!.Counters.ForwardedIn);
        Assert.Equal(1, b.Bridge.Counters.ForwardedOut);
    }

    [NatsFact]
    public void A_plain_bridge_keeps_running_while_the_server_is_down_counts_drops_and_reconnects()
    {
        var server = Own(NatsServer.Start());
        var a = Own(new Node("a", _ipc));
        var b = Own(new Node("b", _ipc));
        a.StartBridge(server.Url, Options("bus.down") with { BufferCapacity = 4 });
        b.StartBridge(server.Url, Options("bus.down"));
        int holds = 0;
        a.Bridge!.HoldStarted += (_, _) => Interlocked.Increment(ref holds);
        a.Broadcast("0 before");
        b.WaitForMessages(1);

        server.Kill();
        // Local broadcasts go on, never slowed by the network; past the buffer they are dropped.
        for (int i = 0; i < 50; i++) a.Broadcast($"0 while down {i}");
        Eventually.True(() => a.Bridge!.Counters.Dropped > 0, "a to count dropped messages");
        Assert.False(a.Running!.IsCompleted);
        Assert.False(b.Running!.IsCompleted);

        server.Restart();
        Eventually.True(() => a.Bridge!.Counters.Reconnects >= 1 && b.Bridge!.Counters.Reconnects >= 1, "both bridges to reconnect", TimeSpan.FromSeconds(60));
        // b resubscribes on reconnect; what a sends now arrives.
        Eventually.True(() =>
        {
            a.Broadcast("0 after");
            Thread.Sleep(200);
            return b.Received.Contains("0 after");
        }, "a message after the restart to reach b", TimeSpan.FromSeconds(60));
        Assert.Equal(50, a.Received.Count(m => m.StartsWith("0 while down", StringComparison.Ordinal)));
        // Plain mode drops instead of holding the bus.
        Assert.Equal(0, Volatile.Read(ref holds));
        Assert.Equal(0, a.Bridge!.Counters.Holds);
    }

    [NatsFact]
    public void A_durable_bridge_restarted_mid_stream_catches_up_without_loss_or_duplicates()
    {
        var server = Own(NatsServer.Start(jetStream: true));
        var a = Own(new Node("a", _ipc));
        var b = Own(new Node("b", _ipc));
        a.StartBridge(server.Url, Options("bus.durable", durable: "node-a"));
        b.StartBridge(server.Url, Options("bus.durable", durable: "node-b"));
        string[] first = Enumerable.Range(0, 10).Select(i => $"1 first {i}").ToArray();
        string[] second = Enumerable.Range(0, 10).Select(i => $"1 second {i}").ToArray();

        foreach (string m in first) a.Broadcast(m);
        b.WaitForMessages(10);
        b.StopBridge();
        foreach (string m in second) a.Broadcast(m);
        Eventually.True(() => a.Bridge!.Counters.ForwardedOut == 20, "a to publish all 20 to JetStream");
        Assert.Equal(first, b.Received); // nothing reached b while its bridge was away
        b.StartBridge(server.Url, Options("bus.durable", durable: "node-b"));

        Assert.Equal([.. first, .. second], b.WaitForMessages(20));
        NothingMoreArrives((a, 20), (b, 20));
    }

    [NatsFact]
    public void A_durable_bridge_survives_losing_one_server_of_a_cluster()
    {
        NatsServer[] cluster = NatsServer.StartCluster().Select(Own).ToArray();
        // Each node tries its own server first (no shuffling), then the others.
        string ServersFrom(int first) => string.Join(',', cluster.Skip(first).Concat(cluster.Take(first)).Select(s => s.Url));
        var inOrder = NATS.Client.Core.NatsOpts.Default with { NoRandomize = true };
        var a = Own(new Node("a", _ipc));
        var b = Own(new Node("b", _ipc));
        // A stream with three replicas, so that it outlives any one server.
        BusBridgeOptions options = Options("bus.cluster", durable: "node-a") with { StreamReplicas = 3 };
        // The bridges wait for the cluster to elect its JetStream leader.
        a.StartBridge(ServersFrom(0), options, inOrder, readyWithin: TimeSpan.FromSeconds(90));
        b.StartBridge(ServersFrom(1), options with { Durable = "node-b" }, inOrder, readyWithin: TimeSpan.FromSeconds(90));

        for (int i = 0; i < 10; i++) a.Broadcast($"1 m{i}");
        b.WaitForMessages(10);
        cluster[0].Kill(); // a's server
        for (int i = 10; i < 20; i++) a.Broadcast($"1 m{i}");

        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"1 m{i}"), b.WaitForMessages(20, TimeSpan.FromSeconds(90)));
        NothingMoreArrives((a, 20), (b, 20));
        Assert.True(a.Bridge!.Counters.Reconnects >= 1, "a reconnected to another server");
        // As a peer of its own reads the stream from a surviving server: each stored once, in order.
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"1 m{i}"), RawNatsPeer.StoredTexts(cluster[1].Port, "BUS_bus_cluster"));
    }

    [NatsFact]
    public void Removing_the_bus_ends_the_bridge_with_BusRemovedException()
    {
        var server = Own(NatsServer.Start());
        foreach (BridgeDirection direction in new[] { BridgeDirection.Out, BridgeDirection.In, BridgeDirection.Both })
        {
            using var node = new Node($"removed-{direction}", _ipc);
            node.StartBridge(server.Url, Options("bus.removed", direction));
            Bus.Remove(node.Path);
            Eventually.Done(Task.WhenAny(node.Running!, Task.Delay(TimeSpan.FromSeconds(30))), TimeSpan.FromSeconds(40), "the bridge to notice");
            Assert.True(node.Running!.IsCompleted, $"{direction}: the bridge is still running after its bus was removed");
            Assert.IsType<BusRemovedException>(node.Running.Exception?.InnerException);
        }
    }
}
