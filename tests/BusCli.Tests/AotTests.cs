using BusCli.Tests.Infrastructure;

namespace BusCli.Tests;

/// <summary>
/// The Native AOT build, if it has been published
/// (<c>dotnet publish src/BusCli -c Release -r linux-x64</c>): the real binary, alone (it
/// needs no library beside it), does a full round. To run every test against it
/// instead, set <c>BUS_CLI</c> to its path.
/// </summary>
public sealed class AotTests : IDisposable
{
    private readonly CliSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    private static RunResult Aot(params string[] arguments)
    {
        RunResult result = ChildProcess.Run(BusCommand.AotPath, arguments, ChildProcess.DefaultTimeout);
        Assert.True(result.ExitCode != -1, "the AOT binary did not exit");
        return result;
    }

    [Fact]
    public void The_native_binary_creates_listens_broadcasts_changes_owner_and_removes()
    {
        if (!File.Exists(BusCommand.AotPath)) return; // not published: nothing to check

        string bus = _sandbox.PathFor("aot");
        Assert.Equal(0, Aot("create", "-x", bus).ExitCode);
        _sandbox.RememberKeys(bus);

        string ready = _sandbox.PathFor("ready");
        using var listener = new ChildProcess(BusCommand.AotPath, ["listen", "--count", "1", "--ready-file", ready, bus]);
        Eventually.True(() => File.Exists(ready), "the ready file");

        Assert.Equal(0, Aot("broadcast", bus, "native hello").ExitCode);
        Assert.Equal(0, listener.WaitForExit());
        Assert.Equal("native hello\n", listener.Stdout);

        // By name: the user database (getpwnam_r, getgrnam_r) from the native binary.
        RunResult chown = Aot("chown", "nobody:nogroup", bus);
        if (Environment.UserName == "root") Assert.True(chown.ExitCode == 0, chown.ToString());
        Assert.Equal(0, Aot("chmod", "ug", bus).ExitCode);
        Assert.Equal(2, Aot("broadcast", bus).ExitCode);
        Assert.Equal(0, Aot("remove", bus).ExitCode);
        Assert.False(File.Exists(bus));
    }
}
