using System.Globalization;

namespace BusCli.Commands;

/// <summary>
/// Says on stderr when a durable bridge starts holding local broadcasters (<c>BusBridge.HoldStarted</c>:
/// its out buffer full, NATS confirming no publish) and when it stops (<c>BusBridge.HoldEnded</c>), one
/// line each, as they happen. If holds flap, a start line comes at least 10 s after the last end line: a hold
/// that starts sooner is told by the 1 s check once those 10 s have passed, if it still lasts, and holds that
/// came and went untold are summed in the next line.
/// </summary>
internal sealed class HoldReport(TextWriter stderr, string path, TimeProvider? clock = null)
{
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(10);
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly Lock _lock = new();
    private bool _holding;                 // a hold is under way
    private int _waiting;                  // its messages waiting
    private TimeSpan _unconfirmed;         // how long NATS had confirmed no publish when it started
    private long _holdSince;               // when it was raised (_clock's timestamp)
    private bool _told;                    // its start line was printed
    private long? _lastEnd;                // when the last end or summary line was printed
    private int _untold;                   // holds since the last line that came and went untold
    private TimeSpan _untoldHeld;

    private bool Quieting => _lastEnd is { } last && _clock.GetElapsedTime(last) < Quiet;

    /// <summary>A hold starts: NATS has confirmed no publish for <paramref name="unconfirmed"/>, <paramref name="waiting"/> messages wait.</summary>
    public void Started(TimeSpan unconfirmed, int waiting)
    {
        lock (_lock)
        {
            _holding = true;
            _unconfirmed = unconfirmed;
            _waiting = waiting;
            _holdSince = _clock.GetTimestamp();
            _told = false;
            if (!Quieting) Tell(unconfirmed);
        }
    }

    /// <summary>The hold ends after <paramref name="held"/>; <paramref name="waiting"/> messages had waited.</summary>
    public void Ended(TimeSpan held, int waiting)
    {
        lock (_lock)
        {
            if (_told)
            {
                Write($"stopped holding local broadcasters after {Seconds(held)} s; {waiting} messages waited");
                _lastEnd = _clock.GetTimestamp();
            }
            else
            {
                _untold++;
                _untoldHeld += held;
            }
            _holding = false;
            _told = false;
        }
    }

    /// <summary>Every second, and as the bridge ends (<paramref name="ending"/>): tells what the quiet time kept back.</summary>
    public void Check(bool ending = false)
    {
        lock (_lock)
        {
            if (Quieting && !ending) return;
            if (_holding && !_told)
            {
                Tell(_unconfirmed + _clock.GetElapsedTime(_holdSince));
            }
            else if (_untold > 0)
            {
                Write($"held local broadcasters again: {Count(_untold, "hold")} since the last line, {Seconds(_untoldHeld)} s in all");
                _untold = 0;
                _untoldHeld = TimeSpan.Zero;
                _lastEnd = _clock.GetTimestamp();
            }
        }
    }

    private void Tell(TimeSpan unconfirmed)
    {
        string untold = _untold == 0 ? "" : FormattableString.Invariant($" ({Count(_untold, "shorter hold")} since the last line, {Seconds(_untoldHeld)} s in all)");
        Write($"holding local broadcasters: NATS has confirmed no publish for {Seconds(unconfirmed)} s, {_waiting} messages waiting{untold}");
        _told = true;
        _untold = 0;
        _untoldHeld = TimeSpan.Zero;
    }

    private void Write(FormattableString message) => CliErrors.Write(stderr, path, FormattableString.Invariant(message));

    private static string Seconds(TimeSpan time) => time.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);

    private static string Count(int n, string what) => FormattableString.Invariant($"{n} {what}{(n == 1 ? "" : "s")}");
}
