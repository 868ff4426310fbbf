using BusCli.Commands;

namespace BusCli.Tests;

/// <summary>
/// The stderr lines of <c>bus bridge --durable</c> about holding local broadcasters, in process, on a clock the
/// test moves: one line as a hold starts and one as it ends; holds that flap are said at most every 10 s.
/// </summary>
public sealed class HoldReportTests
{
    private const string Prefix = "bus: /run/app/bus: ";
    private readonly ManualClock _clock = new();
    private readonly StringWriter _stderr = new();
    private readonly HoldReport _report;

    public HoldReportTests() => _report = new HoldReport(_stderr, "/run/app/bus", _clock);

    private string[] Lines => _stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);

    /// <summary>Tells and ends one hold, so that the next 10 s are quiet.</summary>
    private void OneToldHold()
    {
        _report.Started(S(1.5), 4098);
        _clock.Advance(S(11));
        _report.Check();
        _report.Ended(S(12), 4098);
    }

    [Fact]
    public void A_hold_is_one_line_as_it_starts_and_one_as_it_ends()
    {
        _report.Started(S(1.54), 4098);
        _clock.Advance(S(1));
        _report.Check();
        Assert.Equal([Prefix + "holding local broadcasters: NATS has confirmed no publish for 1.5 s, 4098 messages waiting"], Lines);

        _clock.Advance(S(11));
        _report.Check();
        _report.Ended(S(12.31), 4098);
        _report.Check(ending: true);

        Assert.Equal(Prefix + "stopped holding local broadcasters after 12.3 s; 4098 messages waited", Assert.Single(Lines[1..]));
    }

    [Fact]
    public void Holds_that_flap_within_10_s_of_the_last_line_are_summed_in_one_line_once_the_10_s_have_passed()
    {
        OneToldHold();
        for (int i = 0; i < 3; i++)
        {
            _clock.Advance(S(1));
            _report.Started(S(1), 4098);
            _clock.Advance(S(1.5));
            _report.Ended(S(2.5), 4098);
            _report.Check();
        }
        Assert.Equal(2, Lines.Length);

        _clock.Advance(S(3)); // 10.5 s after the end line
        _report.Check();
        _report.Check();

        Assert.Equal(Prefix + "held local broadcasters again: 3 holds since the last line, 7.5 s in all", Assert.Single(Lines[2..]));
    }

    [Fact]
    public void A_hold_that_starts_within_10_s_of_the_last_line_and_lasts_is_told_once_they_have_passed_with_the_holds_before_it()
    {
        OneToldHold();
        _clock.Advance(S(1));
        _report.Started(S(1), 10);
        _report.Ended(S(1.2), 10);
        _clock.Advance(S(1));
        _report.Started(S(2), 20);
        _clock.Advance(S(5));
        _report.Check();
        Assert.Equal(2, Lines.Length);

        _clock.Advance(S(4)); // 11 s after the end line; this hold started 9 s ago
        _report.Check();
        _report.Ended(S(9.5), 20);

        Assert.Equal([
            Prefix + "holding local broadcasters: NATS has confirmed no publish for 11.0 s, 20 messages waiting (1 shorter hold since the last line, 1.2 s in all)",
            Prefix + "stopped holding local broadcasters after 9.5 s; 20 messages waited",
        ], Lines[2..]);
    }

    [Fact]
    public void Holds_still_untold_when_the_bridge_ends_are_said_then()
    {
        OneToldHold();
        _clock.Advance(S(1));
        _report.Started(S(1), 10);
        _report.Ended(S(1.2), 10);

        _report.Check(ending: true);

        Assert.Equal(Prefix + "held local broadcasters again: 1 hold since the last line, 1.2 s in all", Assert.Single(Lines[2..]));
    }

    private sealed class ManualClock : TimeProvider
    {
        private long _now = TimeSpan.TicksPerDay;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _now;

        public void Advance(TimeSpan time) => _now += time.Ticks;
    }
}
