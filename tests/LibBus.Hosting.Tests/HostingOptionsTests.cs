using System.Threading.Channels;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace LibBus.Hosting.Tests;

/// <summary>
/// What users of hosting libraries expect (issue 27): options from configuration, more than one
/// bus per service collection (keyed), ignoring the process's own messages (NATS NoEcho), a
/// health check.
/// </summary>
public sealed class HostingOptionsTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private readonly HostFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    private static void Configure(HostApplicationBuilder builder, params (string Key, string Value)[] settings)
        => builder.Configuration.AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)));

    [Fact]
    public async Task AddBus_binds_the_options_from_a_configuration_section()
    {
        string path = _fixture.PathFor("bus");
        IHost host = _fixture.Build(b =>
        {
            Configure(b, ("Bus:Path", path), ("Bus:CreateIfMissing", "true"), ("Bus:Mode", "UserRead, UserWrite, GroupRead"),
                ("Bus:PublishTimeout", "00:00:07"), ("Bus:SubscriptionCapacity", "3"));
            b.Services.AddBus(b.Configuration.GetSection("Bus"));
        });
        await host.StartAsync().WaitAsync(Wait);
        BusOptions options = host.Services.GetRequiredService<IOptions<BusOptions>>().Value;
        Assert.Equal(TimeSpan.FromSeconds(7), options.PublishTimeout);
        Assert.Equal(3, options.SubscriptionCapacity);
        Assert.True(File.Exists(path));
        Assert.True(_fixture.Logged($"Created the bus {path} (mode 0640)"));
    }

    [Fact]
    public async Task Options_from_configuration_are_validated_at_start_with_the_option_named()
    {
        IHost host = _fixture.Build(b =>
        {
            Configure(b, ("Bus:Path", "relative/bus"), ("Bus:SubscriptionCapacity", "0"));
            b.Services.AddBus(b.Configuration.GetSection("Bus"));
        });
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync().WaitAsync(Wait));
        Assert.Contains("BusOptions.Path: 'relative/bus' is not an absolute path", e.Message);
        Assert.Contains("BusOptions.SubscriptionCapacity: 0 is less than 1", e.Message);
    }

    [Fact]
    public async Task BindConfiguration_adds_to_the_options_of_AddBus()
    {
        string path = Bus.Create(_fixture.PathFor("bus"));
        IHost host = _fixture.Build(b =>
        {
            Configure(b, ("Services:Bus:Path", path));
            b.Services.AddBus(o => o.PublishTimeout = TimeSpan.FromSeconds(9));
            b.Services.AddOptions<BusOptions>().BindConfiguration("Services:Bus");
        });
        await host.StartAsync().WaitAsync(Wait);
        Assert.Equal(path, host.Services.GetRequiredService<Bus>().Path);
        Assert.Equal(TimeSpan.FromSeconds(9), host.Services.GetRequiredService<IOptions<BusOptions>>().Value.PublishTimeout);
    }

    [Fact]
    public async Task Two_keyed_buses_each_have_their_own_bus_publisher_listener_and_handlers()
    {
        string orders = Bus.Create(_fixture.PathFor("orders"));
        string audit = _fixture.PathFor("audit");
        var ordersReceived = Channel.CreateUnbounded<string>();
        var auditReceived = Channel.CreateUnbounded<string>();
        IHost host = _fixture.Build(b =>
        {
            Configure(b, ("Audit:Path", audit), ("Audit:CreateIfMissing", "true"));
            b.Services.AddKeyedBus("orders", o => o.Path = orders)
                .AddKeyedBus("audit", b.Configuration.GetSection("Audit"))
                .AddKeyedBusHandler("orders", (m, _) => ordersReceived.Writer.WriteAsync(m.Text))
                .AddKeyedBusHandler("audit", (m, _) => auditReceived.Writer.WriteAsync(m.Text));
        });
        await host.StartAsync().WaitAsync(Wait);
        await host.Services.GetRequiredKeyedService<BusListenerService>("orders").Joined.WaitAsync(Wait);
        await host.Services.GetRequiredKeyedService<BusListenerService>("audit").Joined.WaitAsync(Wait);
        Assert.Equal(orders, host.Services.GetRequiredKeyedService<Bus>("orders").Path);
        Assert.Equal(audit, host.Services.GetRequiredKeyedService<Bus>("audit").Path);
        Assert.Null(host.Services.GetService<Bus>());

        await host.Services.GetRequiredKeyedService<IBusPublisher>("orders").PublishAsync("1 order").WaitAsync(Wait);
        await host.Services.GetRequiredKeyedService<IBusPublisher>("audit").PublishAsync("1 audited").WaitAsync(Wait);
        Assert.Equal("1 order", await ordersReceived.Reader.ReadAsync().AsTask().WaitAsync(Wait));
        Assert.Equal("1 audited", await auditReceived.Reader.ReadAsync().AsTask().WaitAsync(Wait));
        Assert.False(ordersReceived.Reader.TryRead(out _));
        Assert.False(auditReceived.Reader.TryRead(out _));
    }

    [Fact]
    public async Task A_keyed_bus_s_bad_options_fail_the_start_naming_its_key()
    {
        IHost host = _fixture.Build(b => b.Services
            .AddKeyedBus("good", o => o.Path = _fixture.PathFor("good"))
            .AddKeyedBus("bad", o => o.Path = "relative"));
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync().WaitAsync(Wait));
        Assert.Contains("BusOptions[bad].Path: 'relative' is not an absolute path", e.Message);
    }

    [Fact]
    public async Task With_IgnoreOwnMessages_the_handlers_get_only_other_processes_messages()
    {
        string path = Bus.Create(_fixture.PathFor("bus"));
        var received = Channel.CreateUnbounded<string>();
        IHost host = _fixture.Build(path, o => o.IgnoreOwnMessages = true,
            s => s.AddBusHandler((m, _) => received.Writer.WriteAsync(m.Text)));
        await host.StartAsync().WaitAsync(Wait);
        await host.Services.GetRequiredService<BusListenerService>().Joined.WaitAsync(Wait);

        // Delivered (the listener acknowledges it), never handed to the handlers.
        await host.Services.GetRequiredService<IBusPublisher>().PublishAsync(BusMessage.FromThisProcess("own")).WaitAsync(Wait);
        int other = Environment.ProcessId + 1;
        using (Bus outside = Bus.Open(path))
        {
            outside.Broadcast($"{Environment.ProcessId}0 a longer pid", Wait);
            outside.Broadcast($"{other} from another", Wait);
        }
        Assert.Equal($"{Environment.ProcessId}0 a longer pid", await received.Reader.ReadAsync().AsTask().WaitAsync(Wait));
        Assert.Equal($"{other} from another", await received.Reader.ReadAsync().AsTask().WaitAsync(Wait));
        Assert.False(received.Reader.TryRead(out _));
    }

    [Fact]
    public async Task The_health_check_is_healthy_while_the_bus_exists_and_the_listener_is_joined()
    {
        string path = Bus.Create(_fixture.PathFor("bus"));
        IHost host = _fixture.Build(path, services: s =>
        {
            s.AddBusHandler((_, _) => ValueTask.CompletedTask);
            s.AddHealthChecks().AddBusCheck();
        });
        var health = host.Services.GetRequiredService<HealthCheckService>();
        HealthReport before = await health.CheckHealthAsync().WaitAsync(Wait);
        Assert.Equal(HealthStatus.Unhealthy, before.Status);
        Assert.Contains("the listener has not joined yet", before.Entries["libbus"].Description);

        await host.StartAsync().WaitAsync(Wait);
        BusListenerService listener = host.Services.GetRequiredService<BusListenerService>();
        await listener.Joined.WaitAsync(Wait);
        HealthReport joined = await health.CheckHealthAsync().WaitAsync(Wait);
        Assert.Equal(HealthStatus.Healthy, joined.Status);
        Assert.Equal(path, joined.Entries["libbus"].Data["path"]);

        Bus.Remove(path);
        await listener.ExecuteTask!.WaitAsync(Wait);
        HealthReport removed = await health.CheckHealthAsync().WaitAsync(Wait);
        Assert.Equal(HealthStatus.Unhealthy, removed.Status);
        Assert.Contains(path, removed.Entries["libbus"].Description);
    }

    [Fact]
    public async Task A_keyed_bus_s_health_check_reports_that_bus_and_a_publisher_only_bus_is_healthy_while_it_exists()
    {
        string path = Bus.Create(_fixture.PathFor("events"));
        IHost host = _fixture.Build(b => b.Services
            .AddKeyedBus("events", o => o.Path = path)
            .AddHealthChecks().AddBusCheck("events", tags: ["ready"]));
        await host.StartAsync().WaitAsync(Wait);
        var health = host.Services.GetRequiredService<HealthCheckService>();
        HealthReport report = await health.CheckHealthAsync(r => r.Tags.Contains("ready")).WaitAsync(Wait);
        Assert.Equal(HealthStatus.Healthy, report.Entries["libbus-events"].Status);

        Bus.Remove(path);
        report = await health.CheckHealthAsync().WaitAsync(Wait);
        Assert.Equal(HealthStatus.Unhealthy, report.Entries["libbus-events"].Status);
    }
}
