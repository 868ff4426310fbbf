namespace LibBus.Harness;

/// <summary>"--name value" pairs.</summary>
internal sealed class Options
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    internal static Options Parse(string[] args)
    {
        var options = new Options();
        for (int i = 0; i < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
                throw new ArgumentException($"bad option near '{args[i]}'");
            options._values[args[i][2..]] = args[i + 1];
        }
        return options;
    }

    internal string Get(string name, string? fallback = null)
        => _values.TryGetValue(name, out string? v) ? v : fallback ?? throw new ArgumentException($"--{name} is required");

    internal string? GetOrNull(string name) => _values.GetValueOrDefault(name);

    internal int GetInt(string name, int? fallback = null)
        => _values.TryGetValue(name, out string? v) ? int.Parse(v) : fallback ?? throw new ArgumentException($"--{name} is required");
}
