using System.Security.Cryptography;
using System.Text;
using BusCli.Tests.Infrastructure;
using Mono.Unix.Native;

namespace BusCli.Tests;

/// <summary>
/// Hostile and bad input to the bus command, table-driven: each case asserts the exit
/// status, one error line naming the culprit, and that nothing was created, removed or
/// leaked: the sandbox directory (names, types, modes, contents, link targets) and the
/// System V objects of the sandbox's bus are the same before and after, and no shared
/// memory segment was made by the command (CliSandbox also checks at the end).
/// </summary>
public sealed class HostileInputTests : IDisposable
{
    private readonly CliSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    /// <param name="Name">The case.</param>
    /// <param name="Setup">Makes the hostile files in the sandbox directory.</param>
    /// <param name="Arguments">The command line; {d} is the sandbox directory, {bus} a working bus in it.</param>
    /// <param name="Stdin">Bytes for standard input, if any.</param>
    /// <param name="Exit">The expected exit status.</param>
    /// <param name="Culprit">Text the one error line must contain (with {d} and {bus}); null when the command succeeds.</param>
    /// <param name="AsNobody">Run as another user (root can read anything).</param>
    public sealed record Case(string Name, Action<string>? Setup, string[] Arguments, byte[]? Stdin, int Exit, string? Culprit, bool AsNobody = false);

    private static void Write(string d, string name, string text) => File.WriteAllText(Path.Combine(d, name), text);

    private static string Repeat(int n) => new('a', n);

    public static readonly Case[] Cases =
    [
        // Key files.
        new("missing key file", null, ["broadcast", "{d}/missing", "m"], null, 1, "{d}/missing: no such bus"),
        new("empty key file", d => Write(d, "k", ""), ["broadcast", "{d}/k", "m"], null, 1, "{d}/k: not a bus key file: line 1"),
        new("truncated: one line", d => Write(d, "k", "123456\n"), ["broadcast", "{d}/k", "m"], null, 1, "{d}/k: not a bus key file: line 2"),
        new("truncated: one line, no newline", d => Write(d, "k", "123456"), ["listen", "{d}/k"], null, 1, "{d}/k: not a bus key file: line 2"),
        new("non-numeric key", d => Write(d, "k", "abc\n123\n"), ["broadcast", "{d}/k", "m"], null, 1, "'abc'"),
        new("zero key (IPC_PRIVATE)", d => Write(d, "k", "0\n0\n"), ["broadcast", "{d}/k", "m"], null, 1, "'0'"),
        new("key -1", d => Write(d, "k", "-1\n7\n"), ["listen", "{d}/k"], null, 1, "'-1'"),
        new("huge key", d => Write(d, "k", "99999999999999999999\n1\n"), ["broadcast", "{d}/k", "m"], null, 1, "'99999999999999999999'"),
        new("key just over int.MaxValue", d => Write(d, "k", "2147483648\n1\n"), ["remove", "{d}/k"], null, 1, "'2147483648'"),
        new("blank inside a key", d => Write(d, "k", " 1 23\n456\n"), ["broadcast", "{d}/k", "m"], null, 1, "' 1 23'"),
        new("CR inside a key", d => Write(d, "k", "12\r3\r\n456\r\n"), ["broadcast", "{d}/k", "m"], null, 1, "'12\\x0d3\\x0d'"),
        new("keys of removed objects", d =>
        {
            string path = Path.Combine(d, "gone");
            LibBus.Bus.Create(path, exclusive: true);
            string text = File.ReadAllText(path);
            LibBus.Bus.Remove(path);
            File.WriteAllText(path, text);
        }, ["listen", "{d}/gone"], null, 1, "{d}/gone: the bus is gone"),
        new("key file is a directory", d => Directory.CreateDirectory(Path.Combine(d, "k")), ["broadcast", "{d}/k", "m"], null, 1, "{d}/k: not a bus key file: a directory"),
        new("key file is a FIFO", d => Proc.Mkfifo(Path.Combine(d, "k")), ["listen", "{d}/k"], null, 1, "{d}/k: not a bus key file: a FIFO"),
        new("key file is a symlink to a non-bus file elsewhere", d =>
        {
            Directory.CreateDirectory(Path.Combine(d, "elsewhere"));
            Write(d, "elsewhere/notes", "hello\n");
            File.CreateSymbolicLink(Path.Combine(d, "k"), Path.Combine(d, "elsewhere", "notes"));
        }, ["broadcast", "{d}/k", "m"], null, 1, "{d}/k: not a bus key file"),
        new("create on a dangling symlink does not create its target", d =>
            File.CreateSymbolicLink(Path.Combine(d, "k"), Path.Combine(d, "target")), ["create", "{d}/k"], null, 1, "{d}/k: a symbolic link to nothing (a dangling link); create makes no key file through a link: remove the link or choose another path"),
        new("create -x on a dangling symlink", d =>
            File.CreateSymbolicLink(Path.Combine(d, "k"), Path.Combine(d, "target")), ["create", "-x", "{d}/k"], null, 1, "{d}/k: already exists"),
        new("unreadable key file", d =>
        {
            AsNobody.MakeSearchable(d);
            Write(d, "k", "123\n456\n");
            File.SetUnixFileMode(Path.Combine(d, "k"), UnixFileMode.None);
        }, ["broadcast", "{d}/k", "m"], null, 1, "{d}/k: permission denied reading the key file", AsNobody: true),
        new("path in a missing directory", null, ["create", "{d}/nodir/bus"], null, 1, "{d}/nodir/bus: cannot create the key file: the directory does not exist"),
        new("create on an existing non-bus file", d => Write(d, "k", "my notes\n"), ["create", "{d}/k"], null, 1, "{d}/k: not a bus key file"),
        new("create -x on an existing non-bus file", d => Write(d, "k", "my notes\n"), ["create", "-x", "{d}/k"], null, 1, "{d}/k: already exists"),
        new("remove of a non-bus file leaves it", d => Write(d, "k", "my notes\n"), ["remove", "{d}/k"], null, 1, "{d}/k: not a bus key file"),
        new("chmod of a directory", d => Directory.CreateDirectory(Path.Combine(d, "k")), ["chmod", "600", "{d}/k"], null, 1, "{d}/k: not a bus key file: a directory"),

        // Messages.
        new("message of 2047 bytes", null, ["broadcast", "{bus}", Repeat(2047)], null, 0, null),
        new("message of 2048 bytes", null, ["broadcast", "{bus}", Repeat(2048)], null, 1, "2048 bytes"),
        new("message of 100,000 bytes", null, ["broadcast", "{bus}", Repeat(100_000)], null, 1, "100000 bytes"),
        new("stdin line with NUL", null, ["broadcast", "{bus}", "-"], "a\0b\n"u8.ToArray(), 1, "standard input line 1: not sent: the message contains a NUL byte"),
        new("stdin line of 2048 bytes", null, ["broadcast", "{bus}", "-"], Encoding.ASCII.GetBytes(Repeat(2048) + "\n"), 1, "standard input line 1: not sent: the message is more than 2047 bytes"),
        new("stdin line of invalid UTF-8 is sent byte for byte", null, ["broadcast", "{bus}", "-"], [0xFF, 0xFE, 0xC3, (byte)'\n'], 0, null),

        // chmod, chown, chgrp.
        new("chmod: digit 8", null, ["chmod", "888", "{bus}"], null, 2, "'888'"),
        new("chmod: rwx letters", null, ["chmod", "ugo+rw", "{bus}"], null, 2, "'ugo+rw'"),
        new("chmod: special bits", null, ["chmod", "7777", "{bus}"], null, 2, "'7777'"),
        new("chmod: negative", null, ["chmod", "--", "-1", "{bus}"], null, 2, "-1"),
        new("chown: unknown user", null, ["chown", "no-such-user-xyz", "{bus}"], null, 1, "no-such-user-xyz: no such user"),
        new("chown: unknown group", null, ["chown", ":no-such-group-xyz", "{bus}"], null, 1, "no-such-group-xyz: no such group"),
        new("chown: user id -1", null, ["chown", "4294967295", "{bus}"], null, 1, "4294967295: not a valid user id"),
        new("chgrp: unknown group", null, ["chgrp", "no-such-group-xyz", "{bus}"], null, 1, "no-such-group-xyz: no such group"),
        new("chgrp: group id -1", null, ["chgrp", "4294967295", "{bus}"], null, 1, "4294967295: not a valid group id"),
    ];

    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (Case c in Cases) data.Add(c.Name);
        return data;
    }

    [Fact]
    public void The_table_has_at_least_twenty_cases() => Assert.True(Cases.Length >= 20, $"{Cases.Length} cases");

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Bad_input_fails_with_one_line_naming_the_culprit_and_changes_nothing(string name)
    {
        Case c = Cases.Single(x => x.Name == name);
        if (c.AsNobody && !AsNobody.IsRoot) return; // as root only: root reads any file
        string bus = _sandbox.CreateBus();
        string d = _sandbox.Directory;
        c.Setup?.Invoke(d);
        string Expand(string s) => s.Replace("{bus}", bus, StringComparison.Ordinal).Replace("{d}", d, StringComparison.Ordinal);
        string[] arguments = c.Arguments.Select(Expand).ToArray();

        string directoryBefore = DescribeTree(d);
        string busBefore = DescribeIpc(bus);
        var ipc = new IpcScope();

        RunResult result;
        int pid;
        if (c.AsNobody)
        {
            using CliProcess p = _sandbox.Shell(Nobody.Command(arguments));
            pid = p.Id;
            p.Stdin.Close();
            result = p.WaitForExit();
        }
        else
        {
            using CliProcess p = _sandbox.Start(arguments);
            pid = p.Id;
            if (c.Stdin is not null) p.Stdin.BaseStream.Write(c.Stdin);
            p.Stdin.Close();
            result = p.WaitForExit();
        }

        Assert.True(result.ExitCode == c.Exit, $"{name}: {result}");
        string[] errors = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (c.Culprit is null)
        {
            Assert.True(errors.Length == 0, $"{name}: {result}");
        }
        else
        {
            Assert.True(errors.Length == 1, $"{name}: expected one error line: {result}");
            Assert.StartsWith("bus: ", errors[0]);
            Assert.Contains(Expand(c.Culprit), errors[0]);
            Assert.DoesNotContain("   at ", result.Stderr);
            Assert.Equal("", result.Stdout);
        }

        Assert.Equal(directoryBefore, DescribeTree(d));
        Assert.Equal(busBefore, DescribeIpc(bus));
        ipc.AddProcess(pid);
        string made = ipc.DescribeLeaks();
        Assert.True(made.Length == 0, $"{name}: the command {made}");
    }

    [Fact]
    public void A_2047_byte_message_and_an_invalid_UTF8_line_arrive_byte_for_byte()
    {
        string bus = _sandbox.CreateBus();
        using CliProcess listener = _sandbox.Start("listen", "--ready", "--count", "2", bus);
        listener.WaitUntilListening();
        Assert.Equal(0, _sandbox.Run("broadcast", bus, Repeat(2047)).ExitCode);
        using (CliProcess sender = _sandbox.Start("broadcast", bus, "-"))
        {
            sender.Stdin.BaseStream.Write([0xFF, 0xFE, 0xC3, (byte)'\n']);
            sender.Stdin.Close();
            Assert.Equal(0, sender.WaitForExit().ExitCode);
        }
        listener.WaitForExit();
        string file = _sandbox.PathFor("out");
        // Read the raw bytes through a shell: the captured stdout is decoded text.
        using CliProcess again = _sandbox.Shell($"\"$BUS\" listen --ready --count 1 {Nobody.Quote(bus)} > {Nobody.Quote(file)}");
        again.WaitUntilListening();
        using (CliProcess sender = _sandbox.Start("broadcast", bus, "-"))
        {
            sender.Stdin.BaseStream.Write([0xFF, 0xFE, 0xC3, (byte)'\n']);
            sender.Stdin.Close();
            Assert.Equal(0, sender.WaitForExit().ExitCode);
        }
        Assert.Equal(0, again.WaitForExit().ExitCode);
        Assert.Equal(new byte[] { 0xFF, 0xFE, 0xC3, (byte)'\n' }, File.ReadAllBytes(file));
        Assert.StartsWith(Repeat(2047) + "\n", listener.Stdout);
    }

    [Fact]
    public void A_bad_stdin_line_is_skipped_and_the_following_lines_are_sent()
    {
        string bus = _sandbox.CreateBus();
        using CliProcess listener = _sandbox.Start("listen", "--ready", "--count", "2", bus);
        listener.WaitUntilListening();
        RunResult result = _sandbox.RunWithInput($"first\n{Repeat(2048)}\nlast\n", "broadcast", bus, "-");
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("standard input line 2", result.Stderr);
        Assert.Equal(0, listener.WaitForExit().ExitCode);
        Assert.Equal("first\nlast\n", listener.Stdout);
    }

    /// <summary>Every entry under <paramref name="root"/>: type, mode, size, content hash or link target.</summary>
    internal static string DescribeTree(string root)
    {
        var lines = new List<string>();
        foreach (string path in Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            if (Syscall.lstat(path, out Stat st) != 0) continue;
            var type = st.st_mode & FilePermissions.S_IFMT;
            string detail = type switch
            {
                FilePermissions.S_IFREG => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)))[..16],
                FilePermissions.S_IFLNK => "-> " + new FileInfo(path).LinkTarget,
                _ => "",
            };
            lines.Add($"{Path.GetRelativePath(root, path)} {type} {Convert.ToString((int)st.st_mode & 0xFFF, 8)} {st.st_uid}:{st.st_gid} {detail}");
        }
        return string.Join('\n', lines);
    }

    /// <summary>The key file text and the IPC objects (id, mode, owner) of a bus.</summary>
    internal static string DescribeIpc(string bus)
    {
        string[] keys = File.ReadAllLines(bus);
        int semKey = int.Parse(keys[0]), shmKey = int.Parse(keys[1]);
        var sems = IpcTable.Semaphores().Where(s => s.Key == semKey).Select(s => $"sem {s.Id} {Convert.ToString(s.Mode, 8)} {s.Uid}:{s.Gid}");
        var shms = IpcTable.Segments().Where(s => s.Key == shmKey).Select(s => $"shm {s.Id} {Convert.ToString(s.Mode, 8)} {s.Uid}:{s.Gid}");
        string all = string.Join("; ", sems.Concat(shms));
        Assert.Contains("sem ", all);
        Assert.Contains("shm ", all);
        return all;
    }
}
