// What a user's program does with the LibBus package: create a bus, listen, broadcast
// (blocking and async), leave, remove. Prints "consumer: ok" and exits 0, or one line
// "consumer: <what failed>" and exits 1.
using LibBus;

string directory = Directory.CreateTempSubdirectory("libbus-consumer.").FullName;
string path = Path.Combine(directory, "bus");
TimeSpan patience = TimeSpan.FromSeconds(60);
try
{
    Bus.Create(path, exclusive: true);
    using (Bus bus = Bus.Open(path))
    {
        await using BusSubscription subscription = bus.Subscribe(capacity: 4);
        await subscription.Joined.WaitAsync(patience);

        bus.Broadcast(BusMessage.FromThisProcess("blocking"), patience);
        await bus.BroadcastAsync(BusMessage.FromThisProcess("async").Text, patience).WaitAsync(patience);

        await using IAsyncEnumerator<BusMessage> messages = subscription.GetAsyncEnumerator();
        foreach (string expected in (string[])["blocking", "async"])
        {
            if (!await messages.MoveNextAsync().AsTask().WaitAsync(patience))
                throw new InvalidOperationException("the subscription ended early");
            BusMessage message = messages.Current;
            if (message.Body != expected || message.SenderPid != Environment.ProcessId)
                throw new InvalidOperationException($"received '{message.Text}', expected '{Environment.ProcessId} {expected}'");
        }
    }
    Bus.Remove(path);
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
