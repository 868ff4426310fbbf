using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;

namespace BusCli;

/// <summary>
/// <c>bus listen --json</c>'s line for a message: <c>{"pid":N,"text":"...","bytes":N}</c> and a
/// newline, as <c>mosquitto_sub -F %j</c> and <c>busctl --json=short</c> print one object per line.
/// <list type="bullet">
/// <item><c>pid</c>: the sender's process id by the <c>"&lt;pid&gt; &lt;text&gt;"</c> convention
/// (<see cref="LibBus.BusMessage.TryParse"/>: ASCII digits forming an int, then one space), else
/// <c>null</c>; the field is always there.</item>
/// <item><c>text</c>: the message after <c>"&lt;pid&gt; "</c>, or the whole message without one.
/// Bytes that are not part of valid UTF-8 are written as <c>\udc80</c>..<c>\udcff</c> (the lone
/// low surrogate U+DC00 + byte), as <c>status --json</c> writes names (<see cref="HumanText.WriteName"/>):
/// Python gets the bytes back, jq shows U+FFFD.</item>
/// <item><c>bytes</c>: the whole message's length in bytes, as received.</item>
/// </list>
/// Other text is plain UTF-8 with JSON's own escapes (<c>\"</c>, <c>\\</c>, <c>\n</c>, <c>\t</c>,
/// <c>\u00XX</c> for other control characters): a line never holds a newline of the message.
/// One buffer and writer serve every message: nothing is allocated per message unless it is not UTF-8.
/// </summary>
internal sealed class MessageJson
{
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private readonly Utf8JsonWriter _writer;

    public MessageJson()
    {
        _writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    /// <summary>The line for <paramref name="message"/>, newline included; valid until the next call.</summary>
    public ReadOnlySpan<byte> Format(ReadOnlySpan<byte> message)
    {
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        int? pid = SenderPid(message, out ReadOnlySpan<byte> text);
        _writer.WriteStartObject();
        if (pid is { } sender) _writer.WriteNumber("pid", sender);
        else _writer.WriteNull("pid");
        if (Utf8.IsValid(text)) _writer.WriteString("text", text);
        else HumanText.WriteName(_writer, "text", RawArguments.Decode(text));
        _writer.WriteNumber("bytes", message.Length);
        _writer.WriteEndObject();
        _writer.Flush();
        _buffer.GetSpan(1)[0] = (byte)'\n';
        _buffer.Advance(1);
        return _buffer.WrittenSpan;
    }

    /// <summary>The <c>"&lt;pid&gt; "</c> prefix on bytes, as <see cref="LibBus.BusMessage.TryParse"/> reads it on text.</summary>
    internal static int? SenderPid(ReadOnlySpan<byte> message, out ReadOnlySpan<byte> text)
    {
        text = message;
        int space = message.IndexOf((byte)' ');
        if (space <= 0 || message[..space].ContainsAnyExceptInRange((byte)'0', (byte)'9')
            || !int.TryParse(message[..space], NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            return null;
        text = message[(space + 1)..];
        return pid;
    }
}
