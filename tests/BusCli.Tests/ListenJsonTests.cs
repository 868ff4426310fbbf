using BusCli.Tests.Infrastructure;
using LibBus;

namespace BusCli.Tests;

/// <summary>
/// <c>bus listen --json</c> (issue 27): one JSON object per line per message,
/// <c>{"pid":N|null,"text":"...","bytes":N}</c>, as <c>mosquitto_sub -F %j</c> and
/// <c>busctl --json=short</c> print theirs.
/// </summary>
public sealed class ListenJsonTests : IDisposable
{
    private readonly CliSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    private CliProcess Listen(string bus, params string[] extra)
    {
        CliProcess listener = _sandbox.Start(["listen", "--ready", "--json", .. extra, bus], null);
        listener.WaitUntilListening();
        return listener;
    }

    [Fact]
    public void Each_message_is_one_object_per_line_with_the_senders_pid_its_text_and_its_length_in_bytes()
    {
        string bus = _sandbox.CreateBus();
        using CliProcess listener = Listen(bus, "--count", "4");
        foreach (string message in new[] { "12345 hello", "no pid here", "0 ünï \"q\" \\ \t<&>", "99999999999 too big for a pid" })
            Assert.Equal(0, _sandbox.Run("broadcast", bus, message).ExitCode);
        RunResult result = listener.WaitForExit();
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(
            """
            {"pid":12345,"text":"hello","bytes":11}
            {"pid":null,"text":"no pid here","bytes":11}
            {"pid":0,"text":"ünï \"q\" \\ \t<&>","bytes":18}
            {"pid":null,"text":"99999999999 too big for a pid","bytes":29}

            """.Replace("\r", ""), result.Stdout);
    }

    [Fact]
    public void A_message_with_newlines_stays_on_one_line()
    {
        string bus = _sandbox.CreateBus();
        using CliProcess listener = Listen(bus, "--count", "1");
        Assert.Equal(0, _sandbox.Run("broadcast", bus, "7 two\nlines").ExitCode);
        Assert.Equal("{\"pid\":7,\"text\":\"two\\nlines\",\"bytes\":11}\n", listener.WaitForExit().Stdout);
    }

    [Fact]
    public void Bytes_that_are_not_UTF8_are_escaped_as_lone_low_surrogates_and_counted()
    {
        string bus = _sandbox.CreateBus();
        using CliProcess listener = Listen(bus, "--count", "1");
        using (Bus sender = Bus.Open(bus, BusAccess.Broadcast))
            sender.Broadcast([(byte)'7', (byte)' ', (byte)'c', (byte)'a', (byte)'f', 0xE9, (byte)'!']);
        Assert.Equal("{\"pid\":7,\"text\":\"caf\\udce9!\",\"bytes\":7}\n", listener.WaitForExit().Stdout);
    }

    [Fact]
    public void Match_filters_and_count_counts_objects()
    {
        string bus = _sandbox.CreateBus();
        using CliProcess listener = Listen(bus, "--match", "^1 ", "--count", "1");
        Assert.Equal(0, _sandbox.Run("broadcast", bus, "2 skipped").ExitCode);
        Assert.Equal(0, _sandbox.Run("broadcast", bus, "1 kept").ExitCode);
        RunResult result = listener.WaitForExit();
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("{\"pid\":1,\"text\":\"kept\",\"bytes\":6}\n", result.Stdout);
    }

    [Theory]
    [InlineData("123 hello", "{\"pid\":123,\"text\":\"hello\",\"bytes\":9}")]
    [InlineData("007 x", "{\"pid\":7,\"text\":\"x\",\"bytes\":5}")]
    [InlineData("123 ", "{\"pid\":123,\"text\":\"\",\"bytes\":4}")]
    [InlineData("123", "{\"pid\":null,\"text\":\"123\",\"bytes\":3}")]
    [InlineData(" 123 x", "{\"pid\":null,\"text\":\" 123 x\",\"bytes\":6}")]
    [InlineData("-1 x", "{\"pid\":null,\"text\":\"-1 x\",\"bytes\":4}")]
    [InlineData("12a x", "{\"pid\":null,\"text\":\"12a x\",\"bytes\":5}")]
    [InlineData("2147483647 max", "{\"pid\":2147483647,\"text\":\"max\",\"bytes\":14}")]
    [InlineData("2147483648 over", "{\"pid\":null,\"text\":\"2147483648 over\",\"bytes\":15}")]
    [InlineData("", "{\"pid\":null,\"text\":\"\",\"bytes\":0}")]
    [InlineData("1 \u0001\u007f\r", "{\"pid\":1,\"text\":\"\\u0001\\u007F\\r\",\"bytes\":5}")]
    public void The_pid_prefix_is_read_as_BusMessage_reads_it(string message, string json)
    {
        byte[] bytes = System.Text.Encoding.UTF8.GetBytes(message);
        Assert.Equal(json + "\n", System.Text.Encoding.UTF8.GetString(new MessageJson().Format(bytes)));
        Assert.Equal(new BusMessage(bytes).SenderPid, MessageJson.SenderPid(bytes, out _));
    }

    [Theory]
    [InlineData("listen|--json|p|echo $msg", "bus: --json applies only without COMMAND (the command gets $msg) (try 'bus listen --help')")]
    [InlineData("listen|--json|-0|p", "bus: --json and --null do not go together: JSON lines never hold a newline (try 'bus listen --help')")]
    public void Json_with_a_command_or_null_is_a_bad_command_line(string commandLine, string error)
        => Assert.Equal(new RunResult(2, "", error + "\n"), InProcess.Run(commandLine.Split('|')));

    [Fact]
    public void Listen_help_describes_json()
    {
        RunResult help = InProcess.Run("listen", "--help");
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("--json", help.Stdout);
        Assert.Contains("\"pid\"", help.Stdout);
    }
}
