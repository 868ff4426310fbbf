using System.Text.RegularExpressions;
using BusCli.Tests.Infrastructure;

namespace BusCli.Tests;

/// <summary>
/// Security properties of buses made and used through the bus command: how the key
/// file and the IPC objects are created (strace), default modes whatever the umask,
/// and what another user (nobody, through setpriv) can and cannot do.
/// </summary>
public sealed class SecurityTests : IDisposable
{
    private const int Mode0600 = 0x180;
    private readonly CliSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    private static bool HaveStrace => File.Exists("/usr/bin/strace") || File.Exists("/bin/strace");

    private static int FileMode(string path) => (int)File.GetUnixFileMode(path);

    private static (IpcObject Sem, IpcObject Shm) Objects(string bus)
    {
        string[] keys = File.ReadAllLines(bus);
        return (IpcTable.Semaphores().Single(s => s.Key == int.Parse(keys[0])), IpcTable.Segments().Single(s => s.Key == int.Parse(keys[1])));
    }

    [Fact]
    public void Create_publishes_a_whole_0600_key_file_with_link_never_opening_its_name_and_makes_the_objects_with_IPC_EXCL_0600()
    {
        if (!HaveStrace) return; // .ci/run installs strace
        string bus = _sandbox.PathFor("bus");
        string trace = _sandbox.PathFor("trace");
        using (CliProcess p = _sandbox.Shell($"exec strace -f -qq -o {Nobody.Quote(trace)} -e trace=open,openat,linkat,link,write,semget,shmget \"$BUS\" create {Nobody.Quote(bus)}"))
        {
            p.Stdin.Close();
            RunResult r = p.WaitForExit(TimeSpan.FromSeconds(60));
            Assert.True(r.ExitCode == 0, r.ToString());
        }
        _sandbox.RememberKeys(bus);
        string[] lines = File.ReadAllLines(trace);
        // The key file's name is never opened: it appears, complete, through linkat (which neither
        // replaces a file nor follows a symlink: the exclusive create).
        Assert.DoesNotContain(lines, l => l.Contains("open", StringComparison.Ordinal) && l.Contains($"\"{bus}\"", StringComparison.Ordinal));
        string[] links = lines.Where(l => l.Contains("linkat(", StringComparison.Ordinal) && l.Contains("\"bus\"", StringComparison.Ordinal)).ToArray();
        Assert.True(links.Length == 1, string.Join('\n', lines.Where(l => l.Contains("link", StringComparison.Ordinal))));
        Assert.Contains("= 0", links[0]);
        // The text was written to a file that had no name (O_TMPFILE) or a private one (O_EXCL|O_NOFOLLOW), mode 0600.
        string[] creates = lines.Where(l => Regex.IsMatch(l, @"openat\(.*(O_TMPFILE|O_CREAT)")).ToArray();
        Assert.True(creates.Length >= 1, string.Join('\n', lines));
        Assert.All(creates, l =>
        {
            Assert.True(l.Contains("O_TMPFILE", StringComparison.Ordinal) || l.Contains("O_EXCL", StringComparison.Ordinal) && l.Contains("O_NOFOLLOW", StringComparison.Ordinal), l);
            Assert.Matches(@"\b0600\)", l);
        });

        string[] gets = lines.Where(l => Regex.IsMatch(l, @"\b(semget|shmget)\(")).ToArray();
        Assert.Contains(gets, l => l.Contains("semget(", StringComparison.Ordinal) && l.Contains("IPC_CREAT|IPC_EXCL|0600", StringComparison.Ordinal));
        Assert.Contains(gets, l => l.Contains("shmget(", StringComparison.Ordinal) && l.Contains("IPC_CREAT|IPC_EXCL|0600", StringComparison.Ordinal));
        // Keys: positive, below 2^30, never IPC_PRIVATE.
        foreach (string l in gets.Where(l => l.Contains("IPC_CREAT", StringComparison.Ordinal)))
        {
            long key = Convert.ToInt64(Regex.Match(l, @"get\((0x[0-9a-f]+|\d+)").Groups[1].Value is var k && k.StartsWith("0x", StringComparison.Ordinal) ? k[2..] : k,
                k.StartsWith("0x", StringComparison.Ordinal) ? 16 : 10);
            Assert.InRange(key, 1, (1L << 30) - 1);
        }
    }

    [Fact]
    public void Default_modes_are_0600_for_the_key_file_and_both_objects_and_0755_for_the_random_directory_even_with_umask_000()
    {
        string runtime = _sandbox.PathFor("run");
        Directory.CreateDirectory(runtime);
        string named = _sandbox.PathFor("named");
        using CliProcess p = _sandbox.Shell(
            $"umask 000; \"$BUS\" create {Nobody.Quote(named)} && XDG_RUNTIME_DIR={Nobody.Quote(runtime)} exec \"$BUS\" create");
        p.Stdin.Close();
        RunResult r = p.WaitForExit();
        Assert.True(r.ExitCode == 0, r.ToString());
        string random = r.Stdout.Trim();
        Assert.StartsWith(Path.Combine(runtime, "bus", "random."), random);
        _sandbox.RememberKeys(named);
        _sandbox.RememberKeys(random);
        try
        {
            Assert.Equal(Convert.ToInt32("755", 8), FileMode(Path.Combine(runtime, "bus")));
            foreach (string bus in new[] { named, random })
            {
                Assert.Equal(Mode0600, FileMode(bus));
                var (sem, shm) = Objects(bus);
                Assert.Equal(Mode0600, sem.Mode & 0x1FF);
                Assert.Equal(Mode0600, shm.Mode & 0x1FF);
            }
        }
        finally
        {
            LibBus.Bus.Remove(random);
        }
    }

    [Fact]
    public void Keys_are_distinct_and_spread_over_1_to_2_pow_30()
    {
        var keys = new List<int>();
        for (int i = 0; i < 12; i++)
        {
            string bus = _sandbox.CreateBus($"bus{i}");
            keys.AddRange(File.ReadLines(bus).Take(2).Select(int.Parse));
        }
        Assert.Equal(keys.Count, keys.Distinct().Count());
        Assert.All(keys, k => Assert.InRange(k, 1, (1 << 30) - 1));
        // 24 uniform keys: the chance that none is in the upper half is 2^-24.
        Assert.Contains(keys, k => k >= 1 << 29);
        Assert.Contains(keys, k => k < 1 << 29);
    }

    [RootFact]
    public void Another_user_cannot_use_chmod_or_remove_a_0600_bus_and_is_told_permission_denied()
    {
        AsNobody.MakeSearchable(_sandbox.Directory);
        string bus = _sandbox.CreateBus();
        AssertNobodyIsRefusedEveryVerb(bus, $"^bus: {Regex.Escape(bus)}: permission denied");

        // Even with a readable key file (plain chmod), the 0600 objects refuse them.
        File.SetUnixFileMode(bus, (UnixFileMode)Convert.ToInt32("644", 8));
        AssertNobodyIsRefusedEveryVerb(bus, "(?i)permission denied|not permitted");
    }

    /// <summary>
    /// Runs broadcast, listen, chmod and remove as nobody: each exits 1 with one error
    /// line matching <paramref name="error"/>, and nothing changes.
    /// </summary>
    private void AssertNobodyIsRefusedEveryVerb(string bus, string error)
    {
        string before = HostileInputTests.DescribeTree(_sandbox.Directory) + HostileInputTests.DescribeIpc(bus);
        foreach (string[] arguments in new[]
        {
            new[] { "broadcast", bus, "hello" },
            new[] { "listen", bus },
            new[] { "chmod", "666", bus },
            new[] { "remove", bus },
        })
        {
            RunResult r = Nobody.Run(_sandbox, arguments);
            Assert.True(r.ExitCode == 1, $"{arguments[0]}: {r}");
            string[] errors = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(errors.Length == 1, $"{arguments[0]}: {r}");
            Assert.Matches(error, errors[0]);
        }
        Assert.Equal(before, HostileInputTests.DescribeTree(_sandbox.Directory) + HostileInputTests.DescribeIpc(bus));
    }

    [RootFact]
    public void After_bus_chmod_plus_o_another_user_can_listen_and_broadcast_but_not_chmod_or_remove()
    {
        AsNobody.MakeSearchable(_sandbox.Directory);
        string bus = _sandbox.CreateBus();
        RunResult chmod = _sandbox.Run("chmod", "+o", bus);
        Assert.True(chmod.ExitCode == 0, chmod.ToString());
        Assert.Equal(Convert.ToInt32("604", 8), FileMode(bus));

        using CliProcess listener = _sandbox.Shell(Nobody.Command("listen", "--ready", "--count", "1", bus));
        listener.WaitUntilListening();
        RunResult sent = Nobody.Run(_sandbox, "broadcast", bus, "from nobody");
        Assert.True(sent.ExitCode == 0, sent.ToString());
        RunResult heard = listener.WaitForExit();
        Assert.True(heard.ExitCode == 0, heard.ToString());
        Assert.Equal("from nobody\n", heard.Stdout);

        string before = HostileInputTests.DescribeTree(_sandbox.Directory) + HostileInputTests.DescribeIpc(bus);
        foreach (string[] arguments in new[] { new[] { "chmod", "600", bus }, new[] { "remove", bus }, new[] { "chgrp", "65534", bus } })
        {
            RunResult r = Nobody.Run(_sandbox, arguments);
            Assert.True(r.ExitCode == 1, $"{arguments[0]}: {r}");
            Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        Assert.Equal(before, HostileInputTests.DescribeTree(_sandbox.Directory) + HostileInputTests.DescribeIpc(bus));
    }

    [Theory]
    [InlineData("777")]
    [InlineData("a")]
    [InlineData("+g")]
    [InlineData("o")]
    [InlineData("666")]
    public void The_key_file_never_becomes_group_or_other_writable(string mode)
    {
        string bus = _sandbox.CreateBus();
        RunResult r = _sandbox.Run("chmod", mode, bus);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(0, FileMode(bus) & Convert.ToInt32("022", 8));
        Assert.Equal(0, FileMode(bus) & Convert.ToInt32("111", 8));
    }
}
