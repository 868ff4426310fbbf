using System.Globalization;
using System.Text;
using System.Text.Json;

namespace BusCli;

/// <summary>
/// The one place where a path, a name or a message becomes text for people (a line of
/// <c>bus list</c>, <c>bus gc</c>, <c>bus status</c>, an error line) and where a name becomes
/// JSON. A file name may hold any byte but <c>/</c> and NUL: a tab or a newline in it must not
/// forge a field or a line of root's listing, nor a byte that is not UTF-8 vanish.
/// <para>
/// Text, as <c>ls -b</c> writes names: a backslash as <c>\\</c>, tab, newline, carriage return,
/// bell, backspace, vertical tab and form feed as <c>\t \n \r \a \b \v \f</c>, every other
/// control character (C0, DEL, C1) and every byte that is not part of valid UTF-8 as <c>\ooo</c>
/// (three octal digits per byte, as in C). Names arrive in strings with their non-UTF-8 bytes as
/// U+DC80..U+DCFF (<see cref="RawArguments.Decode"/>, the way LibBus lists directories too).
/// </para>
/// <para>
/// JSON (<see cref="WriteName"/>): the name exactly, with JSON's own escapes; a byte that is not
/// part of valid UTF-8 is written as the escape <c>\udc80</c>..<c>\udcff</c> (the lone low
/// surrogate U+DC00 + byte: PEP 383 "surrogateescape", what Python's <c>json.dumps</c> writes for
/// <c>os.fsdecode</c>d names), which no valid UTF-8 name produces, so a reader gets the bytes back
/// (in Python: <c>os.fsencode(json.loads(text)["path"])</c>).
/// </para>
/// </summary>
internal static class HumanText
{
    /// <summary><paramref name="name"/> as <c>ls -b</c> shows it: one line, nothing hidden, nothing ambiguous.</summary>
    public static string Name(string name) => Escape(name, backslash: true);

    /// <summary>
    /// A message for an error or a report line: control characters and bytes that are not UTF-8
    /// escaped as in <see cref="Name"/>, a backslash left as it is (names in it go through
    /// <see cref="Name"/> first: see <see cref="CliErrors.Write"/>).
    /// </summary>
    public static string Message(string message) => Escape(message, backslash: false);

    private static bool NeedsEscape(char c, bool backslash)
        => c < ' ' || c is >= '\u007f' and <= '\u009f' || char.IsSurrogate(c) || (backslash && c == '\\');

    private static string Escape(string value, bool backslash)
    {
        int first = 0;
        while (first < value.Length && !NeedsEscape(value[first], backslash)) first++;
        if (first == value.Length) return value;
        var text = new StringBuilder(value.Length + 16);
        text.Append(value, 0, first);
        Span<byte> utf8 = stackalloc byte[4];
        for (int i = first; i < value.Length; i++)
        {
            char c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                text.Append(c).Append(value[++i]);
                continue;
            }
            switch (c)
            {
                case '\\' when backslash: text.Append("\\\\"); break;
                case '\t': text.Append("\\t"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\a': text.Append("\\a"); break;
                case '\b': text.Append("\\b"); break;
                case '\v': text.Append("\\v"); break;
                case '\f': text.Append("\\f"); break;
                case >= '\uDC80' and <= '\uDCFF': Octal(text, (byte)(c - '\uDC00')); break;
                case < ' ' or '\u007f': Octal(text, (byte)c); break;
                case >= '\u0080' and <= '\u009f':
                    // C1 controls: their UTF-8 bytes, as ls -b shows them.
                    foreach (byte b in utf8[..new Rune(c).EncodeToUtf8(utf8)]) Octal(text, b);
                    break;
                case >= '\uD800' and <= '\uDFFF': text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)); break;
                default: text.Append(c); break;
            }
        }
        return text.ToString();
    }

    private static void Octal(StringBuilder text, byte b)
        => text.Append('\\').Append((char)('0' + (b >> 6))).Append((char)('0' + ((b >> 3) & 7))).Append((char)('0' + (b & 7)));

    /// <summary>
    /// Writes the property <paramref name="property"/> with the name <paramref name="value"/>
    /// exactly (see the class summary for bytes that are not UTF-8).
    /// </summary>
    public static void WriteName(Utf8JsonWriter writer, string property, string value)
    {
        if (!value.AsSpan().ContainsAnyInRange('\uD800', '\uDFFF'))
        {
            writer.WriteString(property, value);
            return;
        }
        // The writer refuses lone surrogates: write the string token with every character it would
        // escape (its default encoder: controls, non-ASCII, HTML-sensitive ones) and the lone
        // surrogates as \uXXXX escapes.
        var json = new StringBuilder(value.Length * 2).Append('"');
        foreach (char c in value)
        {
            if (c is < ' ' or > '~' or '"' or '\\' or '<' or '>' or '&' or '\'' or '+' or '`')
                json.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            else
                json.Append(c);
        }
        json.Append('"');
        writer.WritePropertyName(property);
        writer.WriteRawValue(json.ToString(), skipInputValidation: true);
    }
}
