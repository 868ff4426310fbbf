using LibBus.TestSupport;

namespace LibBus.Nats.Tests.Infrastructure;

/// <summary>
/// What one test started (servers, nodes, processes), disposed last-first even if one disposal
/// fails, so that no nats-server outlives its test; then the leak check of the test's IPC objects.
/// </summary>
internal sealed class TestResources : IDisposable
{
    private readonly List<IDisposable> _owned = [];

    public TestResources() => Ipc.AddProcess(Environment.ProcessId);

    /// <summary>The test's IPC objects: tell it of every bus and process the test makes.</summary>
    public IpcScope Ipc { get; } = new();

    public T Own<T>(T item) where T : IDisposable
    {
        _owned.Add(item);
        return item;
    }

    /// <summary>Runs <paramref name="cleanup"/> at disposal, in turn (last registered, first run), before the leak check.</summary>
    public void Defer(Action cleanup) => Own(new Deferred(cleanup));

    public void Dispose()
    {
        var failures = new List<Exception>();
        for (int i = _owned.Count - 1; i >= 0; i--)
        {
            try { _owned[i].Dispose(); }
            catch (Exception e) { failures.Add(e); }
        }
        if (failures.Count > 0) throw new AggregateException(failures);
        string leaked = Ipc.DescribeLeaks();
        Assert.True(leaked.Length == 0, leaked);
    }

    private sealed class Deferred(Action cleanup) : IDisposable
    {
        public void Dispose() => cleanup();
    }
}
