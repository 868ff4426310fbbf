using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace LibBus.Hosting.Tests;

/// <summary>LibBus.Hosting in a real host against a real bus.</summary>
public sealed class HostingTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private readonly HostFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Theory]
    [InlineData("", "BusOptions.Path: required")]
    [InlineData("relative/bus", "BusOptions.Path: 'relative/bus' is not an absolute path")]
    public async Task A_bad_path_fails_the_start_with_the_option_named(string path, string expected)
    {
        IHost host = _fixture.Build(path);
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync().WaitAsync(Wait));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public async Task Bad_capacity_mode_and_timeout_fail_the_start_each_named()
    {
        IHost host = _fixture.Build(_fixture.PathFor("bus"), o =>
        {
            o.SubscriptionCapacity = 0;
            o.Mode = (UnixFileMode)0xFFF; // setuid, setgid, sticky too
            o.PublishTimeout = TimeSpan.FromSeconds(-1);
        });
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync().WaitAsync(Wait));
        Assert.Contains("BusOptions.SubscriptionCapacity: 0 is less than 1", e.Message);
        Assert.Contains("BusOptions.Mode: 7777 has bits other than permissions", e.Message);
        Assert.Contains("BusOptions.PublishTimeout", e.Message);
        Assert.False(File.Exists(_fixture.PathFor("bus")));
    }

    [Fact]
    public async Task A_missing_bus_fails_the_start_unless_created_if_missing()
    {
        string path = _fixture.PathFor("bus");
        IHost strict = _fixture.Build(path);
        await Assert.ThrowsAsync<BusNotFoundException>(() => strict.StartAsync().WaitAsync(Wait));
        Assert.True(_fixture.Logged("Cannot use the bus"));

        IHost creating = _fixture.Build(path, o =>
        {
            o.CreateIfMissing = true;
            o.Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;
        });
        await creating.StartAsync().WaitAsync(Wait);
        BusStatus status = Bus.GetStatus(path);
        Assert.Equal((UnixFileMode)Convert.ToInt32("660", 8), status.SemaphoreArray!.Ownership.Mode);
        Assert.True(_fixture.Logged($"Created the bus {path} (mode 0640)"));
    }

    [Fact]
    public async Task Created_if_missing_replaces_a_stale_key_file_as_Bus_Create_does()
    {
        // A stale key file: its objects removed (as by a reboot or systemd-logind's RemoveIPC).
        string path = Bus.Create(_fixture.PathFor("bus"));
        byte[] keyFile = File.ReadAllBytes(path);
        Assert.True(Bus.Remove(path).Succeeded);
        File.WriteAllBytes(path, keyFile);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Equal(BusState.Stale, Bus.GetStatus(path).State);

        IHost host = _fixture.Build(path, o =>
        {
            o.CreateIfMissing = true;
            o.Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;
        });
        await host.StartAsync().WaitAsync(Wait);
        BusStatus status = Bus.GetStatus(path);
        Assert.Equal(BusState.Alive, status.State);
        Assert.Equal((UnixFileMode)Convert.ToInt32("660", 8), status.SemaphoreArray!.Ownership.Mode); // the object modes, as for a missing bus
        Assert.True(_fixture.Logged($"Created the bus {path} (mode 0640)"));
    }

    [Fact]
    public async Task The_hosted_listener_hands_each_message_to_every_handler_and_the_publisher_delivers()
    {
        string path = Bus.Create(_fixture.PathFor("bus"));
        var first = Channel.CreateUnbounded<string>();
        var second = Channel.CreateUnbounded<string>();
        IHost host = _fixture.Build(path, services: s => s
            .AddBusHandler((m, _) => first.Writer.WriteAsync(m.Text))
            .AddBusHandler((m, _) => second.Writer.WriteAsync(m.Text)));
        await host.StartAsync().WaitAsync(Wait);
        await host.Services.GetRequiredService<BusListenerService>().Joined.WaitAsync(Wait);
        Assert.True(_fixture.Logged($"Joined the bus {path}: listening"));

        // From another handle, as another process would, and through the publisher.
        using (Bus other = Bus.Open(path)) other.Broadcast("1 from outside", Wait);
        await host.Services.GetRequiredService<IBusPublisher>().PublishAsync(BusMessage.FromThisProcess("published")).WaitAsync(Wait);

        string published = $"{Environment.ProcessId} published";
        Assert.Equal("1 from outside", await first.Reader.ReadAsync().AsTask().WaitAsync(Wait));
        Assert.Equal(published, await first.Reader.ReadAsync().AsTask().WaitAsync(Wait));
        Assert.Equal("1 from outside", await second.Reader.ReadAsync().AsTask().WaitAsync(Wait));
        Assert.Equal(published, await second.Reader.ReadAsync().AsTask().WaitAsync(Wait));

        Assert.Equal(1, _fixture.Sum(BusMetrics.MessagesSent));
        Assert.Equal(1, _fixture.Count(BusMetrics.DeliveryDuration));
        Eventually.True(() => _fixture.Sum(BusMetrics.MessagesReceived) == 2, "2 messages received in the metrics");
        Assert.All(_fixture.Measurements, m => Assert.Equal(path, m.Path));
    }

    [Fact]
    public async Task A_throwing_handler_is_logged_and_counted_and_the_listener_goes_on()
    {
        string path = Bus.Create(_fixture.PathFor("bus"));
        var handled = Channel.CreateUnbounded<string>();
        IHost host = _fixture.Build(path, services: s => s
            .AddBusHandler<ThrowingHandler>()
            .AddBusHandler((m, _) => handled.Writer.WriteAsync(m.Body)));
        await host.StartAsync().WaitAsync(Wait);
        await host.Services.GetRequiredService<BusListenerService>().Joined.WaitAsync(Wait);
        IBusPublisher publisher = host.Services.GetRequiredService<IBusPublisher>();

        await publisher.PublishAsync("0 throw").WaitAsync(Wait);
        await publisher.PublishAsync("0 fine").WaitAsync(Wait);

        // The other handler still got both; the listener is still there for the next one.
        Assert.Equal("throw", await handled.Reader.ReadAsync().AsTask().WaitAsync(Wait));
        Assert.Equal("fine", await handled.Reader.ReadAsync().AsTask().WaitAsync(Wait));
        Assert.True(_fixture.Logged($"Handler ThrowingHandler failed on a message of the bus {path} [InvalidOperationException: the handler threw on 'throw']"));
        Assert.Equal(1, _fixture.Sum(BusMetrics.HandlerFailures));
        await publisher.PublishAsync("0 again").WaitAsync(Wait);
        Assert.Equal("again", await handled.Reader.ReadAsync().AsTask().WaitAsync(Wait));
        Assert.False(host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested);
    }

    [Fact]
    public async Task Stopping_the_host_leaves_the_bus_the_right_way()
    {
        string path = Bus.Create(_fixture.PathFor("bus"));
        IHost host = await StartListening(path);
        using Bus observer = Bus.Open(path);
        Assert.Equal(1, observer.GetSemaphoreValues().S); // S: one listener counted

        await host.StopAsync().WaitAsync(Wait);

        Assert.True(_fixture.Logged($"Left the bus {path}"));
        BusSemaphoreValues v = observer.GetSemaphoreValues();
        Assert.True(v.S == 0 && v.W == 0 && v.X == 1 && v.N == 0, $"not idle: S={v.S} W={v.W} X={v.X} N={v.N}");
        observer.Broadcast("0 nobody listens now", Wait); // nothing waits for the departed listener
    }

    [Fact]
    public async Task A_bus_removed_under_the_host_is_logged_and_the_host_runs_on()
    {
        string path = Bus.Create(_fixture.PathFor("bus"));
        IHost host = await StartListening(path);

        Bus.Remove(path);

        Eventually.True(() => _fixture.Logged($"The bus {path} was removed"), "the removal to be logged", Wait);
        Assert.False(host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested);
        await host.StopAsync().WaitAsync(Wait);
    }

    [Fact]
    public async Task A_bus_removed_under_the_host_stops_it_when_asked_to()
    {
        string path = Bus.Create(_fixture.PathFor("bus"));
        IHost host = await StartListening(path, o => o.StopApplicationWhenRemoved = true);

        Bus.Remove(path);

        await host.WaitForShutdownAsync().WaitAsync(Wait);
        Assert.True(_fixture.Logged($"Stopping the application: its bus {path} was removed"));
    }

    [Fact]
    public async Task A_publish_nobody_acknowledges_in_time_fails_and_is_counted_as_timed_out()
    {
        string path = Bus.Create(_fixture.PathFor("bus"));
        IHost host = _fixture.Build(path, o => o.PublishTimeout = TimeSpan.FromMilliseconds(300));
        await host.StartAsync().WaitAsync(Wait);
        using Bus other = Bus.Open(path);
        using BusPoller silent = other.StartPolling(Wait); // joined, never polls

        await Assert.ThrowsAsync<BusTimeoutException>(
            () => host.Services.GetRequiredService<IBusPublisher>().PublishAsync("0 unheard").WaitAsync(Wait));

        Assert.Equal(1, _fixture.Sum(BusMetrics.BroadcastsTimedOut));
        Assert.Equal(0, _fixture.Sum(BusMetrics.MessagesSent));
    }

    [Fact]
    public void Publishing_an_invalid_message_throws_at_once()
    {
        string path = Bus.Create(_fixture.PathFor("bus"));
        IHost host = _fixture.Build(path);
        IBusPublisher publisher = host.Services.GetRequiredService<IBusPublisher>();
        Assert.Throws<BusMessageInvalidException>(() => { _ = publisher.PublishAsync("0 nul\0"); });
    }

    /// <summary>A started host whose listener (with a handler that does nothing) has joined the bus.</summary>
    private async Task<IHost> StartListening(string path, Action<BusOptions>? configure = null)
    {
        IHost host = _fixture.Build(path, configure, s => s.AddBusHandler((_, _) => ValueTask.CompletedTask));
        await host.StartAsync().WaitAsync(Wait);
        await host.Services.GetRequiredService<BusListenerService>().Joined.WaitAsync(Wait);
        return host;
    }

    private sealed class ThrowingHandler : IBusMessageHandler
    {
        public ValueTask HandleAsync(BusMessage message, CancellationToken cancellationToken)
            => message.Body == "throw" ? throw new InvalidOperationException($"the handler threw on '{message.Body}'") : ValueTask.CompletedTask;
    }
}
