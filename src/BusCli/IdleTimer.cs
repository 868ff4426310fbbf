namespace BusCli;

/// <summary>
/// <c>--timeout</c> of listen and wait: a token that is cancelled when the stop token is, or
/// when <see cref="Restart"/> was last called longer ago than the limit (and no
/// <see cref="Pause"/> since). Without a limit it is the stop token itself.
/// </summary>
internal sealed class IdleTimer : IDisposable
{
    // CancelAfter takes at most uint.MaxValue - 1 milliseconds (49 days): longer is no limit.
    private static readonly TimeSpan Longest = TimeSpan.FromMilliseconds(uint.MaxValue - 1.0);

    private readonly CancellationToken _stop;
    private readonly CancellationTokenSource? _timer;
    private readonly CancellationTokenSource? _linked;
    private readonly TimeSpan _limit;

    public IdleTimer(CancellationToken stop, TimeSpan? limit)
    {
        _stop = stop;
        Token = stop;
        if (limit is not { } value || value > Longest) return;
        _limit = value;
        _timer = new CancellationTokenSource();
        _linked = CancellationTokenSource.CreateLinkedTokenSource(stop, _timer.Token);
        Token = _linked.Token;
    }

    /// <summary>Cancelled by the stop token or by the timer.</summary>
    public CancellationToken Token { get; }

    /// <summary>The limit ran out (and nothing else stopped us).</summary>
    public bool TimedOut => _timer is { IsCancellationRequested: true } && !_stop.IsCancellationRequested;

    /// <summary>Starts counting the limit again from now.</summary>
    public void Restart() => _timer?.CancelAfter(_limit);

    /// <summary>Stops counting (while a message is being handled).</summary>
    public void Pause() => _timer?.CancelAfter(Timeout.InfiniteTimeSpan);

    public void Dispose()
    {
        _linked?.Dispose();
        _timer?.Dispose();
    }
}
