namespace LibBus;

/// <summary>Ready-made <see cref="BusMessageFilter"/>s.</summary>
public static class BusMessageFilters
{
    /// <summary>
    /// Passes the messages whose text (UTF-8; bytes that are not UTF-8 read as U+FFFD) <paramref name="regex"/>
    /// matches, anywhere unless anchored, sender id included. Decodes into a buffer on the stack:
    /// nothing is allocated per message. Give the regex
    /// <see cref="System.Text.RegularExpressions.RegexOptions.NonBacktracking"/> where its pattern
    /// allows (no backreferences or lookarounds; whether a message matches is the same): it decides
    /// every message in time linear in its length, whereas a backtracking pattern can take
    /// exponential time on a hostile message, holding the next broadcaster back meanwhile
    /// (<c>bus listen --match</c> does so). Otherwise give it a match timeout: a match that exceeds
    /// it throws <see cref="System.Text.RegularExpressions.RegexMatchTimeoutException"/>, which ends
    /// the listen; catch it in a filter of your own to drop such a message instead.
    /// </summary>
    public static BusMessageFilter Matching(System.Text.RegularExpressions.Regex regex)
    {
        ArgumentNullException.ThrowIfNull(regex);
        return message =>
        {
            Span<char> text = stackalloc char[BusMessage.MaxLength + 1];
            int length = System.Text.Encoding.UTF8.GetChars(message, text);
            return regex.IsMatch(text[..length]);
        };
    }
}
