// What a user's program does with the LibBus packages. "Consumer" alone: create a bus,
// listen, broadcast (blocking and async), leave, remove. "Consumer hosting": the same bus
// from a Microsoft.Extensions.Hosting host (AddBus, a handler, the publisher), then stop.
// Prints "consumer: ok" and exits 0, or one line "consumer: <what failed>" and exits 1.
using LibBus;
using LibBus.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

string directory = Directory.CreateTempSubdirectory("libbus-consumer.").FullName;
string path = Path.Combine(directory, "bus");
TimeSpan patience = TimeSpan.FromSeconds(60);
try
{
    if (args is ["hosting"]) await Hosted();
    else await Plain();
    if (File.Exists(path)) Bus.Remove(path);
    if (File.Exists(path))
        throw new InvalidOperationException($"{path}: still there after Bus.Remove");
    Console.WriteLine("consumer: ok");
    return 0;
}
catch (Exception e)
{
    // Anything at all (a missing native library included) is a failed check, told in one line.
    Console.Error.WriteLine($"consumer: {e.GetType().Name}: {e.Message}");
    return 1;
}
finally
{
    try
    {
        if (File.Exists(path)) Bus.Remove(path);
        Directory.Delete(directory, recursive: true);
    }
    catch (Exception e)
    {
        Console.Error.WriteLine($"consumer: cannot clean up {path}: {e.GetType().Name}: {e.Message}");
    }
}

async Task Plain()
{
    Bus.Create(path, exclusive: true);
    using Bus bus = Bus.Open(path);
    await using BusSubscription subscription = bus.Subscribe(capacity: 4);
    await subscription.Joined.WaitAsync(patience);

    bus.Broadcast(BusMessage.FromThisProcess("blocking"), patience);
    await bus.BroadcastAsync(BusMessage.FromThisProcess("async"), patience).WaitAsync(patience);

    await using IAsyncEnumerator<BusMessage> messages = subscription.GetAsyncEnumerator();
    foreach (string expected in (string[])["blocking", "async"])
    {
        if (!await messages.MoveNextAsync().AsTask().WaitAsync(patience))
            throw new InvalidOperationException("the subscription ended early");
        Expect(messages.Current, expected);
    }
}

async Task Hosted()
{
    var received = new TaskCompletionSource<BusMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
    HostApplicationBuilder builder = Host.CreateApplicationBuilder(args);
    builder.Logging.ClearProviders();
    builder.Services.AddBus(o =>
    {
        o.Path = path;
        o.CreateIfMissing = true;
        o.PublishTimeout = patience;
    });
    builder.Services.AddBusHandler((message, _) =>
    {
        received.TrySetResult(message);
        return ValueTask.CompletedTask;
    });
    using IHost host = builder.Build();
    await host.StartAsync().WaitAsync(patience);
    await host.Services.GetRequiredService<BusListenerService>().Joined.WaitAsync(patience);
    await host.Services.GetRequiredService<IBusPublisher>().PublishAsync(BusMessage.FromThisProcess("hosted")).WaitAsync(patience);
    Expect(await received.Task.WaitAsync(patience), "hosted");
    await host.StopAsync().WaitAsync(patience);
}

static void Expect(BusMessage message, string body)
{
    if (message.Body != body || message.SenderPid != Environment.ProcessId)
        throw new InvalidOperationException($"received '{message.Text}', expected '{Environment.ProcessId} {body}'");
}
