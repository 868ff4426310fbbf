using System.Globalization;
using System.Text;

namespace LibBus;

/// <summary>
/// One bus message: at most <see cref="MaxLength"/> bytes of UTF-8 with no NUL.
/// By convention it reads <c>"&lt;pid&gt; &lt;text&gt;"</c>, the decimal process id of
/// the sender (0 for an ephemeral sender), one space, then the text.
/// </summary>
public sealed class BusMessage
{
    /// <summary>The largest message in bytes; the segment holds it and one NUL.</summary>
    public const int MaxLength = SharedSegmentHandle.Size - 1;

    /// <summary>Strict UTF-8: refuses unpaired surrogates instead of replacing them.</summary>
    internal static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly byte[] _bytes;
    private string? _text;

    private BusMessage(byte[] bytes, string? text)
    {
        _bytes = bytes;
        _text = text;
    }

    /// <summary>Creates a message from text, validating it.</summary>
    /// <exception cref="BusMessageInvalidException">The text contains NUL, is not valid UTF-16, or encodes to over 2047 bytes.</exception>
    public BusMessage(string text) : this(Encode(text), text) { }

    /// <summary>Creates a message from raw bytes (copied), validating them.</summary>
    /// <exception cref="BusMessageInvalidException">The bytes contain NUL or are over 2047.</exception>
    public BusMessage(ReadOnlySpan<byte> bytes) : this(Validated(bytes).ToArray(), null) { }

    /// <summary>Wraps bytes copied from the segment; no validation (a peer may send anything but NUL).</summary>
    internal static BusMessage FromReceived(byte[] bytes) => new(bytes, null);

    /// <summary>The message as text (invalid UTF-8 from a peer shows as U+FFFD).</summary>
    public string Text => _text ??= Encoding.UTF8.GetString(_bytes);

    /// <summary>The message bytes exactly as on the bus, without the terminating NUL.</summary>
    public ReadOnlyMemory<byte> Bytes => _bytes;

    /// <summary>The message length in bytes.</summary>
    public int Length => _bytes.Length;

    /// <summary>The sender's process id by the <c>"&lt;pid&gt; &lt;text&gt;"</c> convention, or null if the message does not follow it.</summary>
    public int? SenderPid => TryParse(Text, out int pid, out _) ? pid : null;

    /// <summary>The text after <c>"&lt;pid&gt; "</c>, or the whole text if the message does not follow the convention.</summary>
    public string Body => TryParse(Text, out _, out string? body) ? body : Text;

    /// <summary>Formats <c>"&lt;pid&gt; &lt;text&gt;"</c>; <paramref name="pid"/> 0 marks an ephemeral sender.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="pid"/> is negative.</exception>
    /// <exception cref="BusMessageInvalidException">The result is not a valid message.</exception>
    public static BusMessage Format(int pid, string text)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(pid);
        ArgumentNullException.ThrowIfNull(text);
        return new BusMessage(pid.ToString(CultureInfo.InvariantCulture) + " " + text);
    }

    /// <summary>Formats a message from this process: <c>"&lt;this pid&gt; &lt;text&gt;"</c>.</summary>
    public static BusMessage FromThisProcess(string text) => Format(Environment.ProcessId, text);

    /// <summary>
    /// Splits <paramref name="message"/> by the <c>"&lt;pid&gt; &lt;text&gt;"</c> convention:
    /// one or more ASCII digits forming a non-negative int, one space, the rest.
    /// </summary>
    public static bool TryParse(string message, out int pid, out string body)
    {
        ArgumentNullException.ThrowIfNull(message);
        pid = 0;
        body = message;
        int space = message.IndexOf(' ');
        if (space <= 0) return false;
        ReadOnlySpan<char> digits = message.AsSpan(0, space);
        foreach (char c in digits)
            if (c is < '0' or > '9') return false;
        if (!int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out pid)) return false;
        body = message[(space + 1)..];
        return true;
    }

    /// <summary>The message text.</summary>
    public override string ToString() => Text;

    /// <summary>
    /// Checks <paramref name="text"/> without allocating and returns its UTF-8 length.
    /// </summary>
    /// <exception cref="BusMessageInvalidException">NUL, invalid UTF-16, or over 2047 bytes.</exception>
    internal static int Validate(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int nul = text.IndexOf('\0');
        if (nul >= 0)
            throw new BusMessageInvalidException($"message: contains a NUL character at offset {nul}; bus messages cannot contain NUL");
        int length;
        try
        {
            length = StrictUtf8.GetByteCount(text);
        }
        catch (EncoderFallbackException e)
        {
            throw new BusMessageInvalidException($"message: not valid text (unpaired surrogate at index {e.Index})", e);
        }
        if (length > MaxLength)
            throw new BusMessageInvalidException($"message: {length} bytes of UTF-8, over the limit of {MaxLength}");
        return length;
    }

    /// <summary>Checks raw bytes without allocating.</summary>
    /// <exception cref="BusMessageInvalidException">NUL, or over 2047 bytes.</exception>
    internal static ReadOnlySpan<byte> Validated(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > MaxLength)
            throw new BusMessageInvalidException($"message: {bytes.Length} bytes, over the limit of {MaxLength}");
        int nul = bytes.IndexOf((byte)0);
        if (nul >= 0)
            throw new BusMessageInvalidException($"message: contains a NUL byte at offset {nul}; bus messages cannot contain NUL");
        return bytes;
    }

    private static byte[] Encode(string text)
    {
        byte[] bytes = new byte[Validate(text)];
        StrictUtf8.GetBytes(text, bytes);
        return bytes;
    }
}
