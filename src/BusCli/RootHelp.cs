using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace BusCli;

/// <summary>
/// <c>bus --help</c>: lists each verb with its arguments as its usage line shows them, optional
/// ones in brackets and repeatable ones followed by <c>...</c> (System.CommandLine's listing shows
/// every argument as required, and its help layout cannot be changed from outside). A verb's own
/// help stays System.CommandLine's, whose usage line already shows that.
/// </summary>
internal sealed class RootHelp(Command root, CommandLineAction verbHelp) : SynchronousCommandLineAction
{
    public static void Install(Command root)
    {
        HelpOption option = root.Options.OfType<HelpOption>().Single();
        option.Action = new RootHelp(root, option.Action!);
    }

    public override int Invoke(ParseResult parseResult)
    {
        if (parseResult.CommandResult.Command != root)
            return verbHelp is SynchronousCommandLineAction synchronous ? synchronous.Invoke(parseResult) : ExitCodes.Failure;
        TextWriter output = parseResult.InvocationConfiguration.Output;
        output.WriteLine("Description:");
        output.WriteLine("  " + root.Description);
        output.WriteLine();
        output.WriteLine("Usage:");
        output.WriteLine("  bus VERB [options] [arguments]");
        output.WriteLine("  bus help [VERB]");
        output.WriteLine();
        output.WriteLine("Options:");
        WriteColumns(output, root.Options.Where(o => !o.Hidden)
            .Select(o => (string.Join(", ", o.Aliases.Where(a => a.StartsWith('-')).Append(o.Name).OrderBy(a => a.Length)), o.Description ?? "")));
        output.WriteLine();
        output.WriteLine("Verbs:");
        WriteColumns(output, root.Subcommands.Where(c => !c.Hidden).Select(c => (Usage(c), c.Description ?? "")));
        return ExitCodes.Success;
    }

    /// <summary>VERB and its arguments: <c>&lt;A&gt;</c> required, <c>[&lt;A&gt;]</c> optional, <c>...</c> repeatable.</summary>
    internal static string Usage(Command verb)
        => string.Join(' ', verb.Arguments.Where(a => !a.Hidden).Select(a =>
        {
            string label = $"<{a.HelpName ?? a.Name}>" + (a.Arity.MaximumNumberOfValues > 1 ? "..." : "");
            return a.Arity.MinimumNumberOfValues == 0 ? $"[{label}]" : label;
        }).Prepend(verb.Name));

    private static void WriteColumns(TextWriter output, IEnumerable<(string Left, string Right)> rows)
    {
        var list = rows.ToList();
        int width = list.Max(r => r.Left.Length) + 2;
        foreach ((string left, string right) in list)
            output.WriteLine("  " + left.PadRight(width) + right);
    }
}
