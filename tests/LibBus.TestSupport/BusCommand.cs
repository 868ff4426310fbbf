namespace LibBus.TestSupport;

/// <summary>Where the <c>bus</c> executable under test is, and how to run it.</summary>
public static class BusCommand
{
    /// <summary>The repository root (the directory holding src/BusCli).</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>
    /// The executable: <c>$BUS_CLI</c> if set (for example the Native AOT build), else the
    /// framework-dependent apphost that the project reference built, same configuration.
    /// </summary>
    public static string Path { get; } = Environment.GetEnvironmentVariable("BUS_CLI") is { Length: > 0 } path
        ? System.IO.Path.GetFullPath(path)
        : System.IO.Path.Combine(RepoRoot, "src", "BusCli", "bin", Configuration, "net10.0", "bus");

    /// <summary>True if <see cref="Path"/> is a Native AOT binary (no bus.dll beside it for a runtime to load).</summary>
    public static bool IsNativeAot { get; } = !File.Exists(System.IO.Path.ChangeExtension(Path, ".dll"));

    /// <summary>The Native AOT build of <c>dotnet publish src/BusCli -c Release -r linux-x64</c>.</summary>
    public static string AotPath { get; } = System.IO.Path.Combine(
        RepoRoot, "src", "BusCli", "bin", "Release", "net10.0", "linux-x64", "publish", "bus");

#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "src", "BusCli", "BusCli.csproj"))) return dir.FullName;
        throw new InvalidOperationException("cannot find the repository root (src/BusCli) above " + AppContext.BaseDirectory);
    }
}
