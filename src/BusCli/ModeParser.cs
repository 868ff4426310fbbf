namespace BusCli;

/// <summary>
/// A mode for <c>bus chmod</c>, as bus(1) defines it: either octal, where any bit
/// of a class (700 owner, 070 group, 007 others) gives that class access, or
/// symbolic, the classes <c>u</c>, <c>g</c>, <c>o</c> (and <c>a</c> for all three)
/// with the operators <c>=</c> (exactly these classes), <c>+</c> (grant) and
/// <c>-</c> (revoke), read left to right. A symbolic mode starts with an implied
/// <c>=</c>: <c>ug</c> means owner and group only, <c>+o</c> adds others, <c>-g</c>
/// removes the group, <c>u+g-o</c> means owner and group.
/// </summary>
internal sealed class ModeChange
{
    private const int User = 0x1C0, Group = 0x38, Other = 0x7, All = User | Group | Other;

    private readonly string _text;
    private readonly int? _absolute;

    private ModeChange(string text, int? absolute)
    {
        _text = text;
        _absolute = absolute;
    }

    /// <summary>The mode as typed.</summary>
    public override string ToString() => _text;

    /// <summary>The new permission bits (0 to 0777) given the bus's current ones.</summary>
    public int Apply(int current)
    {
        if (_absolute is { } mode) return mode;
        // Normalize: a class has access if it has any bit; give it read and write.
        int result = Normalize(current);
        char op = '=';
        bool resetPending = true;
        foreach (char c in _text)
        {
            switch (c)
            {
                case '=':
                    op = '=';
                    result = 0;
                    resetPending = false;
                    break;
                case '+' or '-':
                    op = c;
                    resetPending = false;
                    break;
                default:
                    if (resetPending)
                    {
                        result = 0; // the implied leading '='
                        resetPending = false;
                    }
                    int bits = ClassBits(c);
                    result = op == '-' ? result & ~bits : result | bits;
                    break;
            }
        }
        return result;
    }

    private static int Normalize(int mode)
        => ((mode & User) != 0 ? 0x180 : 0) | ((mode & Group) != 0 ? 0x30 : 0) | ((mode & Other) != 0 ? 0x6 : 0);

    private static int ClassBits(char c) => c switch
    {
        'u' => 0x180,
        'g' => 0x30,
        'o' => 0x6,
        _ => 0x1B6, // 'a'
    };

    /// <summary>Parses <paramref name="text"/>; on failure <paramref name="error"/> says why.</summary>
    public static bool TryParse(string text, out ModeChange? change, out string error)
    {
        change = null;
        error = "";
        if (text.Length == 0)
        {
            error = "'': empty mode (use octal like 660, or classes like ug, +o, -g)";
            return false;
        }
        if (text.All(c => c is >= '0' and <= '7'))
        {
            int value = 0;
            foreach (char c in text)
            {
                value = value * 8 + (c - '0');
                if (value > All) break;
            }
            if (value > All)
            {
                error = $"'{text}': mode out of range (000 to 777)";
                return false;
            }
            change = new ModeChange(text, value);
            return true;
        }
        foreach (char c in text)
        {
            if (c is not ('u' or 'g' or 'o' or 'a' or '+' or '-' or '='))
            {
                error = $"'{text}': not a mode: '{c}' is not one of u g o a + - = (or use octal like 660)";
                return false;
            }
        }
        change = new ModeChange(text, null);
        return true;
    }
}
