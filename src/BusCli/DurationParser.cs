using System.Globalization;

namespace BusCli;

/// <summary>
/// Parses durations for <c>--timeout</c> and friends: a non-negative decimal number with an
/// optional unit, <c>ms</c>, <c>s</c> (the default), <c>m</c> or <c>h</c>, or several numbers
/// each with its unit, added up: <c>500ms</c>, <c>2s</c>, <c>1.5</c>, <c>1m</c>, <c>1h30m</c>.
/// Where no limit is a choice (a timeout), <c>infinity</c> means none.
/// </summary>
internal static class DurationParser
{
    /// <summary>The word for no limit, as systemd spells it.</summary>
    public const string Infinity = "infinity";

    /// <summary>
    /// Parses <paramref name="text"/>; with <paramref name="allowInfinity"/>, <c>infinity</c> gives
    /// <see cref="Timeout.InfiniteTimeSpan"/>. On failure <paramref name="error"/> says what is wrong.
    /// </summary>
    public static bool TryParse(string text, out TimeSpan duration, out string error, bool allowInfinity = false)
    {
        duration = default;
        error = $"'{text}': not a duration (use for example 500ms, 2s, 1.5, 1m or 1h30m" + (allowInfinity ? ", or infinity for no limit)" : ")");
        string s = text.Trim();
        if (s == Infinity)
        {
            if (allowInfinity)
            {
                duration = Timeout.InfiniteTimeSpan;
                error = "";
                return true;
            }
            error = $"'{text}': give a duration here, not infinity";
            return false;
        }
        if (s.StartsWith('-'))
        {
            error = $"'{text}': a duration cannot be negative" + (allowInfinity ? " (for no limit, leave the option out or give infinity)" : "");
            return false;
        }
        double seconds = 0;
        int i = 0;
        while (i < s.Length)
        {
            int start = i;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.')) i++;
            if (i == start) return false;
            string number = s[start..i];
            int unitStart = i;
            while (i < s.Length && char.IsAsciiLetter(s[i])) i++;
            double scale = s[unitStart..i] switch
            {
                "ms" => 1e-3,
                "s" => 1.0,
                "m" => 60.0,
                "h" => 3600.0,
                // A bare number is seconds, but only on its own: "1h30" is unclear.
                "" when start == 0 && i == s.Length => 1.0,
                _ => double.NaN,
            };
            if (double.IsNaN(scale)) return false;
            if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double value))
                return false;
            seconds += value * scale;
        }
        if (s.Length == 0) return false;
        if (double.IsNaN(seconds) || double.IsInfinity(seconds) || seconds > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            error = $"'{text}': duration out of range";
            return false;
        }
        duration = TimeSpan.FromSeconds(seconds);
        error = "";
        return true;
    }

    /// <summary>
    /// For a timeout option: a duration, <see cref="Timeout.InfiniteTimeSpan"/> for <c>infinity</c>
    /// (the parser cannot give null for a value it took); read it with <see cref="Limit"/>.
    /// </summary>
    public static TimeSpan? ParseTimeout(System.CommandLine.Parsing.ArgumentResult argument)
    {
        if (TryParse(argument.Tokens[0].Value, out TimeSpan value, out string error, allowInfinity: true)) return value;
        argument.AddError(error);
        return null;
    }

    /// <summary>A timeout option's value as the verbs take it: null for none (left out, or <c>infinity</c>).</summary>
    public static TimeSpan? Limit(TimeSpan? value) => value == Timeout.InfiniteTimeSpan ? null : value;
}
