using System.CommandLine;

namespace BusCli.Commands;

/// <summary>
/// Where a verb writes: the writers of the invocation that runs it (System.CommandLine's
/// <see cref="InvocationConfiguration"/>), so that the verbs hold no writer of their own. The
/// <c>bus</c> process passes its standard output and error (<see cref="BusCommandLine.Run"/>);
/// tests pass <see cref="StringWriter"/>s and run the real parser in-process.
/// </summary>
internal static class InvocationWriters
{
    public static TextWriter Stdout(this ParseResult result) => result.InvocationConfiguration.Output;

    public static TextWriter Stderr(this ParseResult result) => result.InvocationConfiguration.Error;
}
