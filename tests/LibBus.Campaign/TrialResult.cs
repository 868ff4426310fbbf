namespace LibBus.Campaign;

/// <summary>What one trial did and which invariants it broke.</summary>
public sealed class TrialResult(int index, int seed, string scenario)
{
    public int Index { get; } = index;
    public int Seed { get; } = seed;
    public string Scenario { get; } = scenario;
    public string Parameters { get; set; } = "";
    public TimeSpan Elapsed { get; set; }

    /// <summary>Faults injected: kills, stops, removals, key file changes.</summary>
    public int Faults { get; set; }

    /// <summary>Messages whose broadcast returned (every counted listener copied them).</summary>
    public int Messages { get; set; }

    /// <summary>Messages received, summed over listeners.</summary>
    public long Deliveries { get; set; }

    public bool Hang { get; set; }
    public int Lost { get; set; }
    public int Duplicated { get; set; }
    public int OrderViolations { get; set; }
    public int Leaks { get; set; }

    /// <summary>Anything else: an unexpected exit status or error text, a CLI check, a message from nowhere.</summary>
    public int Other { get; set; }

    public List<string> Details { get; } = new();

    public int Violations => (Hang ? 1 : 0) + Lost + Duplicated + OrderViolations + Leaks + Other;

    public void Fail(string kind, string detail)
    {
        switch (kind)
        {
            case "hang": Hang = true; break;
            case "lost": Lost++; break;
            case "duplicate": Duplicated++; break;
            case "order": OrderViolations++; break;
            case "leak": Leaks++; break;
            default: Other++; break;
        }
        if (Details.Count < 20) Details.Add($"{kind}: {detail}");
    }
}
