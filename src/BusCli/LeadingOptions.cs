namespace BusCli;

/// <summary>
/// The C <c>bus</c> (3.1.x) takes its options before the verb: <c>bus -n broadcast PATH MESSAGE</c>,
/// <c>bus -x create PATH</c>, flags grouped or not (<c>-nx</c>), and <c>--</c> ending them. Scripts
/// written for it keep working: those options move to just after the verb, where every verb
/// takes them, with the same meaning. After the verb stays the documented form.
/// </summary>
internal static class LeadingOptions
{
    /// <summary>The options of the C <c>bus</c>: <c>-x</c> (create: exclusive), <c>-n</c> (broadcast: no wait).</summary>
    private const string Flags = "xn";

    /// <summary>
    /// <c>bus -n -- broadcast PATH MESSAGE</c> becomes <c>bus broadcast -n -- PATH MESSAGE</c>; any
    /// other command line is returned as it is. An option the verb does not take is then the
    /// verb's usage error, as after the verb.
    /// </summary>
    internal static string[] MoveAfterVerb(string[] args)
    {
        int verb = 0;
        while (verb < args.Length && IsFlagGroup(args[verb])) verb++;
        bool endOfOptions = verb < args.Length && args[verb] == "--";
        if (verb == 0 && !endOfOptions) return args;
        int first = endOfOptions ? verb + 1 : verb;
        if (first >= args.Length) return args; // no verb: the parser says so

        var moved = new List<string>(args.Length) { args[first] };
        for (int i = 0; i < verb; i++)
            foreach (char flag in args[i].AsSpan(1))
                moved.Add($"-{flag}");
        if (endOfOptions) moved.Add("--");
        moved.AddRange(args.AsSpan(first + 1));
        return [.. moved];
    }

    private static bool IsFlagGroup(string arg)
        => arg.Length >= 2 && arg[0] == '-' && !arg.AsSpan(1).ContainsAnyExcept(Flags);
}
