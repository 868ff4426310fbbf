using System.Text;

namespace LibBus.Tests;

public sealed class BusMessageTests
{
    [Fact]
    public void Format_and_parse_follow_the_pid_space_text_convention()
    {
        BusMessage m = BusMessage.Format(4711, "volume 40%");
        Assert.Equal("4711 volume 40%", m.Text);
        Assert.Equal(4711, m.SenderPid);
        Assert.Equal("volume 40%", m.Body);
        Assert.Equal(Encoding.UTF8.GetBytes("4711 volume 40%"), m.Bytes.ToArray());

        Assert.Equal("0 ephemeral", BusMessage.Format(0, "ephemeral").Text);
        Assert.Equal($"{Environment.ProcessId} me", BusMessage.FromThisProcess("me").Text);
        Assert.Throws<ArgumentOutOfRangeException>(() => BusMessage.Format(-1, "x"));
    }

    [Theory]
    [InlineData("no pid here")]
    [InlineData(" 12 leading space")]
    [InlineData("12")]
    [InlineData("-5 negative")]
    [InlineData("99999999999 too big")]
    [InlineData("")]
    public void Messages_outside_the_convention_have_no_sender(string text)
    {
        var m = new BusMessage(text);
        Assert.Null(m.SenderPid);
        Assert.Equal(text, m.Body);
        Assert.False(BusMessage.TryParse(text, out _, out _));
    }

    [Fact]
    public void Pid_with_empty_text_parses()
    {
        Assert.True(BusMessage.TryParse("12 ", out int pid, out string body));
        Assert.Equal(12, pid);
        Assert.Equal("", body);
    }

    [Fact]
    public void Validation_counts_UTF8_bytes_and_refuses_NUL_and_unpaired_surrogates()
    {
        Assert.Equal(2047, new BusMessage(new string('a', 2047)).Length);
        Assert.Equal(2046, new BusMessage(new string('é', 1023)).Length);
        var tooLong = Assert.Throws<BusMessageInvalidException>(() => new BusMessage(new string('é', 1024)));
        Assert.Contains("2048", tooLong.Message);
        Assert.Contains("2047", tooLong.Message);
        Assert.Throws<BusMessageInvalidException>(() => new BusMessage("a\0b"));
        Assert.Throws<BusMessageInvalidException>(() => new BusMessage("\udc00"));
        Assert.Throws<BusMessageInvalidException>(() => new BusMessage(new byte[] { 0x41, 0x00 }));
        Assert.Throws<BusMessageInvalidException>(() => new BusMessage(new byte[2048]));
    }

    [Fact]
    public void Raw_bytes_that_are_not_UTF8_keep_their_bytes_and_show_replacement_text()
    {
        var m = new BusMessage(new byte[] { 0x30, 0x20, 0xff, 0xfe });
        Assert.Equal(new byte[] { 0x30, 0x20, 0xff, 0xfe }, m.Bytes.ToArray());
        Assert.Equal("0 \ufffd\ufffd", m.Text);
        Assert.Equal(0, m.SenderPid);
    }
}
