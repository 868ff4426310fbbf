// A worker service on a bus: it joins at start, logs every message, answers "ping" with
// "pong", and leaves the bus on Ctrl-C or SIGTERM. "fail" makes its handler throw, which
// is logged while the worker goes on. Try it:
//   dotnet run --project samples/LibBus.Samples.Worker -- --Bus:Path=/tmp/worker.bus &
//   bus broadcast /tmp/worker.bus "$$ ping"
using LibBus;
using LibBus.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

HostApplicationBuilder builder = Host.CreateApplicationBuilder(args);
builder.Services.AddBus(options =>
{
    options.Path = builder.Configuration["Bus:Path"] ?? "/tmp/worker.bus";
    options.CreateIfMissing = true;
    options.Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite;
    options.PublishTimeout = TimeSpan.FromSeconds(5);
});
builder.Services.AddBusHandler<PingHandler>();
builder.Build().Run();

/// <summary>Logs each message; answers "ping" with "pong" on the same bus.</summary>
internal sealed partial class PingHandler(IBusPublisher publisher, ILogger<PingHandler> logger) : IBusMessageHandler
{
    public async ValueTask HandleAsync(BusMessage message, CancellationToken cancellationToken)
    {
        Received(logger, message.Body, message.SenderPid);
        switch (message.Body)
        {
            case "ping":
                // Our own listener receives the pong too; with room in its buffer that is fine.
                await publisher.PublishAsync(BusMessage.FromThisProcess("pong"), cancellationToken);
                break;
            case "fail":
                throw new InvalidOperationException("asked to fail");
        }
    }

    [LoggerMessage(100, LogLevel.Information, "Received '{Body}' from pid {Pid}")]
    private static partial void Received(ILogger logger, string body, int? pid);
}
