namespace LibBus.Tests.Infrastructure;

/// <summary>Compiles Peers/cpeer.c (the reference C algorithm) with cc, once per run.</summary>
public static class CPeer
{
    private static readonly Lazy<string> Binary = new(Compile);

    public static string Path => Binary.Value;

    private static string Compile()
    {
        string source = System.IO.Path.Combine(AppContext.BaseDirectory, "Peers", "cpeer.c");
        string output = System.IO.Path.Combine(AppContext.BaseDirectory, "Peers", "cpeer");
        Tools.Run("cc", ["-std=gnu11", "-O2", "-Wall", "-Wextra", "-Werror", "-o", output, source]);
        return output;
    }
}

/// <summary>Runs short external tools (cc, ipcs, ipcrm, ...) with a timeout.</summary>
public static class Tools
{
    public static string Run(string file, IEnumerable<string> arguments, int expectedExit = 0)
    {
        string[] args = [.. arguments];
        RunResult result = ChildProcess.Run(file, args, TimeSpan.FromSeconds(60));
        if (result.ExitCode == -1 && result.Stderr.StartsWith("did not exit", StringComparison.Ordinal))
            throw new Xunit.Sdk.XunitException($"{file} did not finish within 60 s");
        if (result.ExitCode != expectedExit)
            throw new Xunit.Sdk.XunitException($"{file} {string.Join(' ', args)} exited {result.ExitCode}: {result.Stderr}{result.Stdout}");
        return result.Stdout;
    }
}
