using System.Globalization;

namespace BusCli;

/// <summary>
/// Parses durations for <c>--timeout</c>: a non-negative decimal number with an
/// optional unit, <c>ms</c>, <c>s</c> (the default), <c>m</c> or <c>h</c>:
/// <c>500ms</c>, <c>2s</c>, <c>1.5</c>, <c>1m</c>.
/// </summary>
internal static class DurationParser
{
    public static bool TryParse(string text, out TimeSpan duration, out string error)
    {
        duration = default;
        error = $"'{text}': not a duration (use for example 500ms, 2s, 1.5 or 1m)";
        string s = text.Trim();
        (string unit, double scale) = s switch
        {
            _ when s.EndsWith("ms", StringComparison.Ordinal) => ("ms", 1e-3),
            _ when s.EndsWith('s') => ("s", 1.0),
            _ when s.EndsWith('m') => ("m", 60.0),
            _ when s.EndsWith('h') => ("h", 3600.0),
            _ => ("", 1.0),
        };
        string number = s[..^unit.Length];
        if (number.Length == 0 || !char.IsAsciiDigit(number[0]) && number[0] != '.')
            return false;
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double value))
            return false;
        double seconds = value * scale;
        if (double.IsNaN(seconds) || double.IsInfinity(seconds) || seconds > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            error = $"'{text}': duration out of range";
            return false;
        }
        duration = TimeSpan.FromSeconds(seconds);
        error = "";
        return true;
    }
}
