namespace LibBus.Campaign;

/// <summary>One listener's record for <see cref="DeliveryCheck"/>.</summary>
/// <param name="Name">For messages.</param>
/// <param name="Messages">What it received, in order.</param>
/// <param name="Throughout">Counted on the bus from before the first broadcast until the last: it must have every confirmed message.</param>
public sealed record ListenerRecord(string Name, IReadOnlyList<string> Messages, bool Throughout);

/// <summary>
/// The delivery invariants of PROTOCOL.md over what the listeners of one trial saw:
/// none duplicated; one common order (the reference listener's, which was present
/// throughout and never faulted); no confirmed message lost by a listener present
/// throughout; and a listener that joined or left mid-stream saw a contiguous run of
/// the common order. "Uncertain" messages (the one a killed, timed-out or removed
/// broadcaster was delivering) may be missing anywhere, never duplicated or reordered.
/// </summary>
public static class DeliveryCheck
{
    public static void Run(TrialResult result, ListenerRecord reference, IReadOnlyList<ListenerRecord> others,
        IReadOnlySet<string> confirmed, IReadOnlySet<string> uncertain)
    {
        var all = new List<ListenerRecord> { reference };
        all.AddRange(others);
        var position = new Dictionary<string, int>();
        for (int i = 0; i < reference.Messages.Count; i++) position.TryAdd(reference.Messages[i], i);

        foreach (ListenerRecord l in all)
        {
            // Duplicates.
            var seen = new HashSet<string>();
            foreach (string m in l.Messages)
                if (!seen.Add(m)) result.Fail("duplicate", $"{l.Name} received '{m}' twice");

            // Messages from nowhere.
            foreach (string m in seen)
                if (!confirmed.Contains(m) && !uncertain.Contains(m))
                    result.Fail("other", $"{l.Name} received '{m}', which no broadcaster of this bus sent");

            // Each broadcaster's messages in the order it sent them.
            var last = new Dictionary<string, int>();
            foreach (string m in l.Messages)
            {
                int space = m.LastIndexOf(' ');
                if (space < 0 || !int.TryParse(m.AsSpan(space + 1), out int index)) continue;
                string sender = m[..space];
                if (last.TryGetValue(sender, out int previous) && index <= previous)
                    result.Fail("order", $"{l.Name} received '{m}' after '{sender} {previous}'");
                last[sender] = index;
            }

            // Present throughout: everything confirmed.
            if (l.Throughout)
            {
                var missing = confirmed.Where(m => !seen.Contains(m)).ToList();
                foreach (string m in missing.Take(5))
                    result.Fail("lost", $"{l.Name}, present throughout, never received '{m}'");
                if (missing.Count > 5) result.Lost += missing.Count - 5;
            }

            // The common order, and a contiguous run of it.
            if (ReferenceEquals(l, reference)) continue;
            int prev = -1;
            foreach (string m in l.Messages)
            {
                if (!position.TryGetValue(m, out int p)) continue;
                if (prev >= 0)
                {
                    if (p <= prev)
                    {
                        result.Fail("order", $"{l.Name} received '{m}' after '{reference.Messages[prev]}'; {reference.Name} the other way round");
                    }
                    else
                    {
                        for (int k = prev + 1; k < p; k++)
                        {
                            if (!uncertain.Contains(reference.Messages[k]))
                                result.Fail("lost", $"{l.Name} skipped '{reference.Messages[k]}' between '{reference.Messages[prev]}' and '{m}'");
                        }
                    }
                }
                prev = Math.Max(prev, p);
            }
        }

        // One order for all, uncertain messages included: no cycle in "received before".
        if (FindCycle(all) is { } cycle) result.Fail("order", $"no common order: {cycle}");
    }

    private static string? FindCycle(IEnumerable<ListenerRecord> listeners)
    {
        var edges = new Dictionary<string, HashSet<string>>();
        var indegree = new Dictionary<string, int>();
        foreach (ListenerRecord l in listeners)
        {
            for (int i = 0; i < l.Messages.Count; i++)
            {
                indegree.TryAdd(l.Messages[i], 0);
                if (i == 0 || l.Messages[i - 1] == l.Messages[i]) continue;
                if (!edges.TryGetValue(l.Messages[i - 1], out var next)) edges[l.Messages[i - 1]] = next = new HashSet<string>();
                if (next.Add(l.Messages[i])) indegree[l.Messages[i]] = indegree.GetValueOrDefault(l.Messages[i]) + 1;
            }
        }
        var ready = new Queue<string>(indegree.Where(kv => kv.Value == 0).Select(kv => kv.Key));
        int done = 0;
        while (ready.TryDequeue(out string? m))
        {
            done++;
            if (!edges.TryGetValue(m, out var next)) continue;
            foreach (string n in next)
                if (--indegree[n] == 0) ready.Enqueue(n);
        }
        if (done == indegree.Count) return null;
        return "messages in a cycle: " + string.Join(", ", indegree.Where(kv => kv.Value > 0).Select(kv => kv.Key).Take(6));
    }
}
