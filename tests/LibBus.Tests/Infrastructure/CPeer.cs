using System.Diagnostics;

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
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in arguments) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(60_000))
        {
            process.Kill(true);
            throw new Xunit.Sdk.XunitException($"{file} did not finish within 60 s");
        }
        process.WaitForExit();
        if (process.ExitCode != expectedExit)
            throw new Xunit.Sdk.XunitException($"{file} {string.Join(' ', info.ArgumentList)} exited {process.ExitCode}: {stderr.Result}{stdout.Result}");
        return stdout.Result;
    }
}
