using LibBus.Nats.Tests.Infrastructure;
using LibBus.TestSupport;

namespace LibBus.Nats.Tests;

/// <summary>
/// The bridge checked by a third peer that is not itself (issue 26): <see cref="RawNatsPeer"/>
/// speaks the NATS text protocol over its own socket, publishes numbered messages the bridges
/// must deliver to their buses, and checks what the bridges publish (each once, in order per
/// origin, with a stable <c>Bus-Origin</c>) without NATS.Net or LibBus.Nats.
/// </summary>
public sealed class RawPeerTests : IDisposable
{
    private readonly TestResources _resources = new();
    private IpcScope _ipc => _resources.Ipc;

    private T Own<T>(T item) where T : IDisposable => _resources.Own(item);

    public void Dispose() => _resources.Dispose();

    private static string[] Numbered(string prefix, int from, int count) => Enumerable.Range(from, count).Select(i => $"1 {prefix}{i}").ToArray();

    private static string[] From(IEnumerable<string> messages, string prefix) => messages.Where(m => m.StartsWith("1 " + prefix, StringComparison.Ordinal)).ToArray();

    /// <summary>The bus id part of a <c>Bus-Origin</c> header (before the '/' and the run id).</summary>
    private static (string Bus, string Run) Origin(RawNatsPeer.Message message)
    {
        Assert.True(message.Headers.TryGetValue(BusBridge.OriginHeader, out string? origin), $"'{message.Text}' has no {BusBridge.OriginHeader} header");
        int slash = origin!.LastIndexOf('/');
        Assert.True(slash > 0, $"'{origin}' is not <bus>/<run>");
        return (origin[..slash], origin[(slash + 1)..]);
    }

    [NatsFact]
    public void Plain_bridges_and_a_raw_peer_exchange_every_message_once_in_order()
    {
        var server = Own(NatsServer.Start());
        var a = Own(new Node("a", _ipc));
        var b = Own(new Node("b", _ipc));
        a.StartBridge(server.Url, new BusBridgeOptions { Subject = "bus.raw.plain" });
        b.StartBridge(server.Url, new BusBridgeOptions { Subject = "bus.raw.plain" });
        var peer = Own(new RawNatsPeer(server.Port));
        int sid = peer.Subscribe("bus.raw.plain");
        peer.Flush();
        string[] fromA = Numbered("a", 0, 40), fromB = Numbered("b", 0, 40), fromPeer = Numbered("p", 0, 40);

        var sendA = Task.Run(() => { foreach (string m in fromA) a.Broadcast(m); });
        var sendB = Task.Run(() => { foreach (string m in fromB) b.Broadcast(m); });
        foreach (string m in fromPeer) peer.Publish("bus.raw.plain", m);
        peer.Flush();
        Eventually.Done(Task.WhenAll(sendA, sendB), TimeSpan.FromSeconds(60), "the broadcasts");

        Eventually.True(() => peer.Received(sid).Length >= 80, $"the peer to get a's and b's 80 (has {peer.Received(sid).Length})", TimeSpan.FromSeconds(60));
        a.WaitForMessages(120, TimeSpan.FromSeconds(60));
        b.WaitForMessages(120, TimeSpan.FromSeconds(60));
        Thread.Sleep(TimeSpan.FromSeconds(1)); // room for a stray copy to show
        RawNatsPeer.Message[] got = peer.Received(sid);
        Assert.Equal(80, got.Length);
        // What the peer saw of each bus: every message once, in its order, with that bus's origin.
        Assert.Equal(fromA, From(got.Select(m => m.Text), "a"));
        Assert.Equal(fromB, From(got.Select(m => m.Text), "b"));
        Assert.All(got.Where(m => m.Text.StartsWith("1 a", StringComparison.Ordinal)), m => Assert.Equal(a.Bridge!.OriginId, Origin(m).Bus));
        Assert.All(got.Where(m => m.Text.StartsWith("1 b", StringComparison.Ordinal)), m => Assert.Equal(b.Bridge!.OriginId, Origin(m).Bus));
        Assert.NotEqual(a.Bridge!.OriginId, b.Bridge!.OriginId);
        // What each bus got: its own broadcasts once (nothing came back), the others' once, in order.
        foreach (Node node in new[] { a, b })
        {
            Assert.Equal(120, node.Received.Length);
            Assert.Equal(fromA, From(node.Received, "a"));
            Assert.Equal(fromB, From(node.Received, "b"));
            Assert.Equal(fromPeer, From(node.Received, "p"));
        }
        Assert.Null(peer.Error);
    }

    [NatsFact]
    public void A_durable_bridge_restarted_mid_stream_stores_and_delivers_exactly_once_as_a_raw_peer_sees_it()
    {
        const string subject = "bus.raw.durable", stream = "BUS_bus_raw_durable";
        var server = Own(NatsServer.Start(jetStream: true));
        var b = Own(new Node("b", _ipc));
        var options = new BusBridgeOptions { Subject = subject, Durable = "node-b" };
        b.StartBridge(server.Url, options); // makes the stream and b's consumer
        var peer = Own(new RawNatsPeer(server.Port));
        string[] fromPeer = Numbered("p", 0, 200), fromB = Numbered("b", 0, 100);

        // The first run: the peer's first 100 arrive while b broadcasts its first 50; stopped mid-stream.
        Task<RawNatsPeer.Message>[] acks = fromPeer[..100].Select((m, i) => peer.JetStreamPublishAsync(subject, m, $"p-{i}")).ToArray();
        foreach (string m in fromB[..50]) b.Broadcast(m);
        Eventually.True(() => From(b.Received, "p").Length >= 10, "b to broadcast some of the peer's messages", TimeSpan.FromSeconds(60));
        b.StopBridge();
        Eventually.Done(Task.WhenAll(acks), TimeSpan.FromSeconds(60), "the stream to acknowledge the peer's first 100");
        // While b's bridge is away, the peer's other 100 are stored.
        acks = fromPeer[100..].Select((m, i) => peer.JetStreamPublishAsync(subject, m, $"p-{100 + i}")).ToArray();
        Eventually.Done(Task.WhenAll(acks), TimeSpan.FromSeconds(60), "the stream to acknowledge the peer's last 100");
        ulong[] sequences = acks.Select(a => RawNatsPeer.AcknowledgedSequence(a.Result)).ToArray();
        Assert.Equal(sequences.Order(), sequences); // stored in the order published

        // The second run catches up, and b's last 50 go out.
        b.StartBridge(server.Url, options);
        foreach (string m in fromB[50..]) b.Broadcast(m);

        b.WaitForMessages(300, TimeSpan.FromSeconds(90));
        Eventually.True(() => peer.StreamLastSequence(stream) >= 300, "the stream to hold b's 100", TimeSpan.FromSeconds(60));
        Thread.Sleep(TimeSpan.FromSeconds(1)); // room for a redelivery or an echo to show
        // On b's bus: the peer's 200 exactly once in order across the restart; b's own once (none came back).
        Assert.Equal(fromPeer, From(b.Received, "p"));
        Assert.Equal(fromB, From(b.Received, "b"));
        Assert.Equal(300, b.Received.Length);
        // In the stream, as the peer reads it: b's 100 stored once each, in order, with one bus id across both runs.
        List<RawNatsPeer.Message> stored = peer.StreamMessages(stream);
        Assert.Equal(300, stored.Count);
        RawNatsPeer.Message[] storedB = stored.Where(m => m.Text.StartsWith("1 b", StringComparison.Ordinal)).ToArray();
        Assert.Equal(fromB, storedB.Select(m => m.Text));
        Assert.Equal([b.Bridge!.OriginId], storedB.Select(m => Origin(m).Bus).Distinct());
        Assert.Equal(2, storedB.Select(m => Origin(m).Run).Distinct().Count());
        Assert.Equal(fromPeer, stored.Where(m => m.Text.StartsWith("1 p", StringComparison.Ordinal)).Select(m => m.Text));
        Assert.Null(peer.Error);
    }
}
