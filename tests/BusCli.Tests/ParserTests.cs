namespace BusCli.Tests;

public sealed class ParserTests
{
    [Theory]
    [InlineData("600", 0x180, 0x180)]
    [InlineData("0660", 0x180, 0x1B0)]
    [InlineData("777", 0, 0x1FF)]
    [InlineData("ug", 0x186, 0x1B0)]
    [InlineData("+o", 0x180, 0x186)]
    [InlineData("-g", 0x1B0, 0x180)]
    [InlineData("u+g-o", 0x1B6, 0x1B0)]
    [InlineData("a", 0x180, 0x1B6)]
    [InlineData("=", 0x1B6, 0)]
    [InlineData("+g=u", 0x186, 0x180)]
    public void Modes_follow_bus_1(string text, int current, int expected)
    {
        Assert.True(ModeChange.TryParse(text, out ModeChange? change, out string error), error);
        Assert.Equal(Convert.ToString(expected, 8), Convert.ToString(change!.Apply(current), 8));
    }

    [Theory]
    [InlineData("")]
    [InlineData("1000")]
    [InlineData("u+r")]
    [InlineData("8")]
    [InlineData("ug,o")]
    public void Bad_modes_are_refused(string text)
        => Assert.False(ModeChange.TryParse(text, out _, out _));

    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("2s", 2000)]
    [InlineData("1.5", 1500)]
    [InlineData("1m", 60000)]
    [InlineData("0", 0)]
    [InlineData(".25s", 250)]
    [InlineData("1h", 3600000)]
    [InlineData("1h30m", 5400000)]
    [InlineData("2m30s", 150000)]
    [InlineData("1s500ms", 1500)]
    public void Durations_parse(string text, double milliseconds)
    {
        Assert.True(DurationParser.TryParse(text, out TimeSpan value, out string error), error);
        Assert.Equal(milliseconds, value.TotalMilliseconds, 3);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-1")]
    [InlineData("1d")]
    [InlineData("ms")]
    [InlineData("1e3")]
    [InlineData("NaN")]
    [InlineData("1h30")]
    [InlineData("h30m")]
    [InlineData("infinity")]
    public void Bad_durations_are_refused(string text)
        => Assert.False(DurationParser.TryParse(text, out _, out _));

    [Fact]
    public void Infinity_is_no_limit_where_a_timeout_may_have_none()
    {
        Assert.True(DurationParser.TryParse("infinity", out TimeSpan value, out string error, allowInfinity: true), error);
        Assert.Equal(Timeout.InfiniteTimeSpan, value);
    }
}
