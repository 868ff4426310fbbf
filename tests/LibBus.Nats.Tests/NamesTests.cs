namespace LibBus.Nats.Tests;

public sealed class NamesTests
{
    [Theory]
    [InlineData("bus")]
    [InlineData("bus.events.node-1")]
    [InlineData("a_b.C$d")]
    public void Good_subjects_pass(string subject) => NatsNames.CheckSubject(subject);

    [Theory]
    [InlineData("", "empty")]
    [InlineData("a..b", "empty token")]
    [InlineData(".a", "empty token")]
    [InlineData("a.", "empty token")]
    [InlineData("a b", "whitespace")]
    [InlineData("a.*", "wildcard")]
    [InlineData("a.>", "wildcard")]
    public void Bad_subjects_say_why(string subject, string why)
    {
        var e = Assert.Throws<ArgumentException>(() => NatsNames.CheckSubject(subject));
        Assert.Contains($"'{subject}'", e.Message, StringComparison.Ordinal);
        Assert.Contains(why, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("nats://127.0.0.1:4222")]
    [InlineData("nats://a:1, tls://b:2")]
    [InlineData("nats://user:pw@127.0.0.1:4222")]
    public void Good_server_lists_pass(string servers) => NatsNames.CheckServers(servers);

    [Theory]
    [InlineData("127.0.0.1:4222", "not a URL")]
    [InlineData("http://127.0.0.1:4222", "scheme 'http'")]
    [InlineData("nats://127.0.0.1:4222,", "empty")]
    [InlineData("nats://127.0.0.1:99999", "not a URL")]
    [InlineData("nats://127.0.0.1:4222/path", "no path")]
    public void Bad_server_lists_say_why(string servers, string why)
    {
        var e = Assert.Throws<ArgumentException>(() => NatsNames.CheckServers(servers));
        Assert.Contains(why, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_url_is_reported_without_its_password()
    {
        var e = Assert.Throws<ArgumentException>(() => NatsNames.CheckServers("nats://alice:s3cret@127.0.0.1:4222/x"));
        Assert.DoesNotContain("s3cret", e.Message, StringComparison.Ordinal);
        Assert.Contains("nats://***@127.0.0.1:4222/x", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_stream_is_named_after_the_subject() => Assert.Equal("BUS_bus_events", NatsNames.DefaultStream("bus.events"));
}
