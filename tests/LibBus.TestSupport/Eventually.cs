using System.Diagnostics;

namespace LibBus.TestSupport;

/// <summary>Waiting for a condition or a task, with a timeout that fails the test instead of hanging.</summary>
public static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> until true; fails with <paramref name="what"/> after <paramref name="timeout"/>.</summary>
    public static void True(Func<bool> condition, string what, TimeSpan? timeout = null)
        => True(condition, () => what, timeout);

    /// <summary>As above, <paramref name="what"/> said at the timeout (so it can show the state then).</summary>
    public static void True(Func<bool> condition, Func<string> what, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        TimeSpan limit = timeout ?? TimeSpan.FromSeconds(20);
        while (!condition())
        {
            if (clock.Elapsed > limit) throw new Xunit.Sdk.XunitException($"timed out after {limit.TotalSeconds:0.#} s waiting for: {what()}");
            Thread.Sleep(10);
        }
    }

    /// <summary>Waits for a task with a timeout, failing instead of hanging.</summary>
    public static T Result<T>(Task<T> task, TimeSpan? timeout = null, string what = "task")
    {
        Done(task, timeout, what);
        return task.GetAwaiter().GetResult();
    }

    public static void Done(Task task, TimeSpan? timeout = null, string what = "task")
    {
        TimeSpan limit = timeout ?? TimeSpan.FromSeconds(20);
        if (!((IAsyncResult)task).AsyncWaitHandle.WaitOne(limit))
            throw new Xunit.Sdk.XunitException($"{what} did not finish within {limit.TotalSeconds:0.#} s");
        task.GetAwaiter().GetResult();
    }
}
