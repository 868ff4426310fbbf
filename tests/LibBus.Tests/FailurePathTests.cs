using LibBus.Tests.Infrastructure;

namespace LibBus.Tests;

/// <summary>
/// Failure paths that must always complete (issue 11, item 4): every leave swallows and
/// reports its error, every dispose is idempotent, and nothing throws on a background thread.
/// </summary>
public sealed class FailurePathTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private readonly BusSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    /// <summary>
    /// A listener run as nobody on a 0606 bus; the owner then takes the rights of others away
    /// (mode 0600), so the listener's next semaphore call fails with EACCES, and so does its
    /// leave. It must report the error, finish disposing (no hang, no crash from the listener
    /// thread), and have released its attachment of the segment.
    /// </summary>
    [RootTheory]
    [InlineData("subscribe")]
    [InlineData("listen-async")]
    [InlineData("poll")]
    public void A_listener_whose_rights_are_taken_away_reports_it_and_finishes_disposing(string api)
    {
        string path = _sandbox.CreateBus();
        AsNobody.MakeSearchable(_sandbox.Directory);
        Bus.ChangeMode(path, (UnixFileMode)Convert.ToInt32("606", 8));
        Peer listener = _sandbox.Track(OtherUser.Nobody("until-error", path, api));
        listener.WaitReady(Wait);

        Bus.ChangeMode(path, (UnixFileMode)Convert.ToInt32("600", 8));
        Bus bus = _sandbox.Open(path);
        // A message wakes a listener blocked in its wait; its acknowledgement is then refused.
        Task broadcast = Task.Run(() => bus.Broadcast("0 after chmod", Wait));

        int exit = listener.WaitForExit(Wait);
        Assert.True(exit == 1, $"exit {exit}: {listener.StderrText}");
        Assert.Contains("error: BusAccessDeniedException", listener.StderrText);
        Assert.DoesNotContain("Unhandled", listener.StderrText);
        Assert.Equal("attached 0", listener.StdoutLines[^1]);
        // The kernel undid the listener's counts at its exit: the broadcast completes.
        Assert.True(broadcast.Wait(Wait));
        BusSemaphoreValues values = bus.GetSemaphoreValues();
        Assert.Equal((0, 0, 1, 0), (values.S, values.W, values.X, values.N));
    }

    [Fact]
    public void A_null_message_is_an_ArgumentNullException_and_nothing_is_sent()
    {
        string path = _sandbox.CreateBus();
        Bus bus = _sandbox.Open(path);
        Assert.Null(Bus.GetStatus(path).SemaphoreArray!.LastOperation);
        Assert.Equal("message", Assert.Throws<ArgumentNullException>(() => bus.Broadcast((string)null!)).ParamName);
        Assert.Equal("message", Assert.Throws<ArgumentNullException>(() => bus.TryBroadcast((string)null!)).ParamName);
        Assert.Equal("message", Assert.Throws<ArgumentNullException>(() => { _ = bus.BroadcastAsync((string)null!); }).ParamName); // thrown at once, not by the task
        // No semop at all: a broadcast, even to no listener, would have set the last operation time.
        Assert.Null(Bus.GetStatus(path).SemaphoreArray!.LastOperation);
    }

    [Fact]
    public async Task A_subscription_whose_bus_is_removed_faults_its_enumeration_and_its_Completion_alike()
    {
        string path = _sandbox.CreateBus();
        Bus bus = _sandbox.Open(path);
        await using BusSubscription subscription = bus.Subscribe();
        await subscription.Joined.WaitAsync(Wait);

        Bus.Remove(path);

        // As a Channel faults both its reader and its Completion with the one error.
        Exception enumeration = await Assert.ThrowsAsync<BusRemovedException>(async () =>
        {
            await foreach (BusMessage _ in subscription.WithCancellation(new CancellationTokenSource(Wait).Token)) { }
        });
        Exception completion = await Assert.ThrowsAsync<BusRemovedException>(() => subscription.Completion.WaitAsync(Wait));
        Assert.Same(enumeration, completion);
    }

    [Fact]
    public async Task Disposing_a_subscription_twice_is_fine()
    {
        Bus bus = _sandbox.Open(_sandbox.CreateBus());
        BusSubscription subscription = bus.Subscribe();
        await subscription.Joined.WaitAsync(Wait);

        await subscription.DisposeAsync();
        await subscription.DisposeAsync();
        subscription.Dispose();

        Assert.True(subscription.Completion.IsCompletedSuccessfully);
        Assert.Equal(0, bus.GetSemaphoreValues().S);
    }

    [Fact]
    public void Disposing_a_poller_twice_and_stopping_it_is_fine()
    {
        Bus bus = _sandbox.Open(_sandbox.CreateBus());
        BusPoller poller = bus.StartPolling(Wait);

        poller.Stop();
        poller.Dispose();
        poller.Stop();

        Assert.Equal(0, bus.GetSemaphoreValues().S);
        Assert.Throws<ObjectDisposedException>(() => poller.Poll(TimeSpan.Zero));
    }

    [Fact]
    public async Task A_disposed_bus_refuses_to_broadcast_and_to_listen_while_a_listener_it_started_still_runs()
    {
        string path = _sandbox.CreateBus();
        Bus bus = Bus.Open(path);
        await using BusSubscription subscription = bus.Subscribe();
        await subscription.Joined.WaitAsync(Wait);

        bus.Dispose();
        bus.Dispose();

        Assert.Throws<ObjectDisposedException>(() => bus.Broadcast("0 after dispose", Wait));
        Assert.Throws<ObjectDisposedException>(() => bus.TryBroadcast("0 after dispose"));
        Assert.Throws<ObjectDisposedException>(() => bus.StartPolling(Wait));
        Assert.Throws<ObjectDisposedException>(() => bus.Subscribe());
        // The running listener still works, with another handle's broadcast.
        _sandbox.Open(path).Broadcast("0 from another handle", Wait);
        await using IAsyncEnumerator<BusMessage> messages = subscription.GetAsyncEnumerator();
        Assert.True(await messages.MoveNextAsync().AsTask().WaitAsync(Wait));
        Assert.Equal("0 from another handle", messages.Current.Text);
    }
}
