using System.Text.RegularExpressions;
using LibBus.Tests.Infrastructure;

namespace LibBus.Tests;

/// <summary>
/// Message filters in the library (issue 16, <c>--match</c>): Listen, ListenBytes and Subscribe
/// pass on only what the filter passes, and the messages it drops never hold a broadcaster back.
/// </summary>
public sealed class FilterTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private readonly BusSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    private static readonly BusMessageFilter Ready = BusMessageFilters.Matching(new Regex("^[0-9]+ ready", RegexOptions.CultureInvariant));

    [Fact]
    public async Task Listen_calls_back_only_for_matching_messages()
    {
        string path = _sandbox.CreateBus();
        Bus listenerBus = _sandbox.Open(path, BusAccess.Listen);
        Bus broadcaster = _sandbox.Open(path, BusAccess.Broadcast);
        var got = new List<string>();
        using var joined = new ManualResetEventSlim();
        var listening = Task.Run(() => listenerBus.Listen(m =>
        {
            got.Add(m.Text);
            return got.Count < 2;
        }, Ready, joined.Set));
        Assert.True(joined.Wait(Wait));
        foreach (string m in new[] { "1 starting", "1 ready db", "2 not ready", "2 ready cache", "3 ready late" })
            if (!listening.IsCompleted) broadcaster.Broadcast(m, Wait);
        await listening.WaitAsync(Wait);
        Assert.Equal(["1 ready db", "2 ready cache"], got);
    }

    [Fact]
    public async Task ListenBytes_decodes_for_the_regex_and_passes_the_bytes_as_sent()
    {
        string path = _sandbox.CreateBus();
        Bus listenerBus = _sandbox.Open(path, BusAccess.Listen);
        Bus broadcaster = _sandbox.Open(path, BusAccess.Broadcast);
        var got = new List<byte[]>();
        using var joined = new ManualResetEventSlim();
        var listening = Task.Run(() => listenerBus.ListenBytes(m =>
        {
            got.Add(m.ToArray());
            return false;
        }, BusMessageFilters.Matching(new Regex("^1 caf\u00e9 \uFFFD$")), joined.Set));
        Assert.True(joined.Wait(Wait));
        broadcaster.Broadcast("1 café", Wait);
        byte[] raw = [.. "1 café "u8, 0xFF];
        broadcaster.Broadcast(raw, Wait);
        await listening.WaitAsync(Wait);
        Assert.Equal([raw], got);
    }

    [Fact]
    public async Task A_subscription_keeps_only_matching_messages_and_dropped_ones_never_wait_for_its_reader()
    {
        string path = _sandbox.CreateBus();
        Bus listenerBus = _sandbox.Open(path, BusAccess.Listen);
        Bus broadcaster = _sandbox.Open(path, BusAccess.Broadcast);
        using BusSubscription subscription = listenerBus.Subscribe(1, Ready);
        await subscription.Joined.WaitAsync(Wait);
        broadcaster.Broadcast("1 ready one", Wait); // fills the buffer of 1; nobody reads it yet
        // Dropped at once, however full the buffer: each broadcast returns, none times out.
        for (int i = 0; i < 5; i++) broadcaster.Broadcast($"{i} noise", TimeSpan.FromSeconds(10));
        broadcaster.Broadcast("2 ready two", Wait); // taken, then held: the buffer is full
        await using var reader = subscription.GetAsyncEnumerator();
        Assert.True(await reader.MoveNextAsync().AsTask().WaitAsync(Wait));
        Assert.Equal("1 ready one", reader.Current.Text);
        Assert.True(await reader.MoveNextAsync().AsTask().WaitAsync(Wait));
        Assert.Equal("2 ready two", reader.Current.Text);
    }

    [Fact]
    public async Task The_filter_runs_after_the_acknowledgement_never_inside_the_delivery()
    {
        // Issue 22, N4: a listener copies, acknowledges, then filters. A filter that does not
        // return holds no delivery: the broadcast of the message it looks at returns.
        string path = _sandbox.CreateBus();
        Bus listenerBus = _sandbox.Open(path, BusAccess.Listen);
        Bus broadcaster = _sandbox.Open(path, BusAccess.Broadcast);
        using var joined = new ManualResetEventSlim();
        using var filtering = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var listening = Task.Factory.StartNew(() => listenerBus.ListenBytes(_ => false, _ =>
        {
            filtering.Set();
            release.Wait(Wait + Wait);
            return true;
        }, joined.Set), TaskCreationOptions.LongRunning);
        Assert.True(joined.Wait(Wait));
        try
        {
            broadcaster.Broadcast("1 looked at", Wait); // times out if the filter ran inside the delivery
            Assert.True(filtering.Wait(Wait));
            Assert.Equal(0, broadcaster.GetSemaphoreValues().S);
        }
        finally
        {
            release.Set();
        }
        await listening.WaitAsync(Wait);
        BusAssert.Idle(broadcaster);
    }

    [Fact]
    public async Task A_filter_that_throws_ends_the_listen_with_its_error_and_the_listener_leaves()
    {
        string path = _sandbox.CreateBus();
        Bus listenerBus = _sandbox.Open(path, BusAccess.Listen);
        Bus broadcaster = _sandbox.Open(path, BusAccess.Broadcast);
        using var joined = new ManualResetEventSlim();
        var listening = Task.Run(() => listenerBus.ListenBytes(_ => true, _ => throw new InvalidOperationException("bad filter"), joined.Set));
        Assert.True(joined.Wait(Wait));
        broadcaster.Broadcast("1 any", Wait);
        await Assert.ThrowsAsync<InvalidOperationException>(() => listening.WaitAsync(Wait));
        BusAssert.Idle(broadcaster);
    }
}
