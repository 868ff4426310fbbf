using System.Text;
using System.Text.RegularExpressions;
using LibBus.Tests.Infrastructure;
using static LibBus.Interop.Libc;

namespace LibBus.Tests;

/// <summary>
/// Bad key files: each is a typed error with a one-line message naming the path,
/// and nothing is created, changed or leaked (BusSandbox checks IPC on Dispose).
/// </summary>
public sealed class KeyFileTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly BusSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    // ---- one rule for a path's length (issue 22, N12) ----

    /// <summary>An absolute path of exactly <paramref name="bytes"/> bytes naming the file "k" (or "kk") in the sandbox, padded with "./".</summary>
    private string PathOfLength(int bytes)
    {
        string start = _sandbox.Directory + "/";
        int rest = bytes - start.Length;
        string name = rest % 2 == 0 ? "kk" : "k";
        return start + string.Concat(Enumerable.Repeat("./", (rest - name.Length) / 2)) + name;
    }

    [Fact]
    public void A_path_longer_than_open_takes_is_refused_by_every_entry_point_and_nothing_is_created()
    {
        // 4,096 bytes: open(2) refuses the path whole, though creating through its directory would take it.
        string tooLong = PathOfLength(4096);
        Assert.Equal(4096, Encoding.UTF8.GetByteCount(tooLong));
        var operations = new Dictionary<string, Action>
        {
            ["Create"] = () => Bus.Create(tooLong),
            ["Create exclusive"] = () => Bus.Create(tooLong, exclusive: true),
            ["Open"] = () => Bus.Open(tooLong).Dispose(),
            ["GetStatus"] = () => Bus.GetStatus(tooLong),
            ["GetInfo"] = () => Bus.GetInfo(tooLong),
            ["Remove"] = () => Bus.Remove(tooLong),
            ["ChangeMode"] = () => Bus.ChangeMode(tooLong, (UnixFileMode)Convert.ToInt32("600", 8)),
            ["ReadyFile"] = () => BusReadyFile.Announce(tooLong, "1\n").Dispose(),
        };
        foreach (var (name, operation) in operations)
        {
            var e = Assert.IsType<BusException>(Record.Exception(operation), exactMatch: false);
            Assert.True(e.Errno == LibBus.Interop.Errors.ENAMETOOLONG, $"{name}: {e}");
            Assert.EndsWith(": path too long: 4096 bytes, at most 4095 (PATH_MAX)", e.Message);
        }
        Assert.Empty(Directory.EnumerateFileSystemEntries(_sandbox.Directory));

        // 4,095 bytes: every entry point takes it.
        string longest = PathOfLength(4095);
        Assert.Equal(longest, Bus.Create(longest, exclusive: true));
        using (Bus bus = Bus.Open(longest))
            bus.Broadcast("0 hello");
        Assert.NotNull(Bus.GetStatus(longest));
        Assert.True(Bus.Remove(longest).Succeeded);
    }

    [Fact]
    public void A_symlink_to_a_directory_is_called_a_link_to_a_directory_not_to_a_file()
    {
        string path = _sandbox.PathFor("link");
        Directory.CreateDirectory(path + ".target");
        File.CreateSymbolicLink(path, path + ".target");
        string expected = $"{path}: not a bus key file: a symbolic link to a directory, not to a regular file";
        Assert.Equal(expected, Assert.Throws<BusKeyFileCorruptException>(() => Bus.GetStatus(path)).Message);
        Assert.Equal(expected, Assert.Throws<BusKeyFileCorruptException>(() => Bus.Open(path)).Message);
    }

    // ---- bad key files, for every operation that reads one ----

    public static TheoryData<string, string> BadFilesAndOperations()
    {
        var data = new TheoryData<string, string>();
        foreach (string bad in BadFiles.Keys)
            foreach (string operation in Operations.Keys)
                data.Add(bad, operation);
        return data;
    }

    /// <summary>Makes the bad file at the given path; returns the exception type every operation must throw.</summary>
    private static readonly Dictionary<string, Func<string, Type>> BadFiles = new()
    {
        ["missing"] = _ => typeof(BusNotFoundException),
        ["empty"] = p => Write(p, ""),
        ["one line"] = p => Write(p, "1027577188\n"),
        ["non-numeric"] = p => Write(p, "hello\nworld\n"),
        ["numeric then letters"] = p => Write(p, "123abc\n456\n"),
        ["zero"] = p => Write(p, "0\n0\n"),
        ["zero on line 2"] = p => Write(p, "1027577188\n0\n"),
        ["minus one"] = p => Write(p, "-1\n7\n"),
        ["one line without a newline"] = p => Write(p, "1027577188"),
        ["blank inside a key"] = p => Write(p, "12 3\n456\n"),
        ["just below int.MinValue"] = p => Write(p, "-2147483649\n984348630\n"),
        ["out of range"] = p => Write(p, "99999999999\n984348630\n"),
        ["just above int.MaxValue"] = p => Write(p, "2147483648\n984348630\n"),
        ["empty line 1"] = p => Write(p, "\n456\n"),
        ["binary"] = p => Write(p, "\0\x01\x02\n\xff\n"),
        ["directory"] = p => { Directory.CreateDirectory(p); return typeof(BusKeyFileCorruptException); },
        ["FIFO"] = p => { Tools.Run("mkfifo", [p]); return typeof(BusKeyFileCorruptException); },
        ["symlink to a non-bus file"] = p =>
        {
            File.WriteAllText(p + ".target", "this is not\na bus key file\n");
            File.CreateSymbolicLink(p, p + ".target");
            return typeof(BusKeyFileCorruptException);
        },
        ["symlink to a directory"] = p =>
        {
            Directory.CreateDirectory(p + ".target");
            File.CreateSymbolicLink(p, p + ".target");
            return typeof(BusKeyFileCorruptException);
        },
        ["dangling symlink"] = p => { File.CreateSymbolicLink(p, p + ".nowhere"); return typeof(BusNotFoundException); },
        ["below a regular file"] = p =>
        {
            // p is "<dir>/file/bus": make "<dir>/file" a regular file.
            File.WriteAllText(Path.GetDirectoryName(p)!, "a file, not a directory\n");
            return typeof(BusNotFoundException);
        },
    };

    private static Type Write(string path, string text)
    {
        File.WriteAllBytes(path, Encoding.Latin1.GetBytes(text));
        return typeof(BusKeyFileCorruptException);
    }

    /// <summary>Every public operation that starts by reading a key file.</summary>
    private static readonly Dictionary<string, Action<string>> Operations = new()
    {
        ["Open"] = p => Bus.Open(p).Dispose(),
        ["Open for Listen"] = p => Bus.Open(p, BusAccess.Listen).Dispose(),
        ["Remove"] = p => Bus.Remove(p),
        ["GetInfo"] = p => Bus.GetInfo(p),
        ["ChangeMode"] = p => Bus.ChangeMode(p, (UnixFileMode)Convert.ToInt32("644", 8)),
        ["ChangeOwner"] = p => Bus.ChangeOwner(p, "0", "0"),
    };

    [Theory]
    [MemberData(nameof(BadFilesAndOperations))]
    public async Task A_bad_key_file_is_a_typed_one_line_error_naming_the_path_and_is_left_alone(string bad, string operation)
    {
        string path = bad == "below a regular file" ? Path.Combine(_sandbox.PathFor("file"), "bus") : _sandbox.PathFor("bad");
        Type expected = BadFiles[bad](path);
        // The verbs that change or remove a bus never follow a symlink: any symlink is "not a key file".
        if (bad == "dangling symlink" && operation is "Remove" or "ChangeMode" or "ChangeOwner")
            expected = typeof(BusKeyFileCorruptException);
        string before = Listing(_sandbox.Directory);

        Exception? e = await WithinTimeout(() => Operations[operation](path), $"{operation} on a {bad} key file");

        Assert.NotNull(e);
        Assert.IsType(expected, e);
        AssertOneLineNaming(path, (BusException)e);
        Assert.Equal(path, ((BusException)e).Path);
        Assert.Equal(before, Listing(_sandbox.Directory));
    }

    [Fact]
    public async Task Opening_a_FIFO_does_not_wait_for_a_writer()
    {
        string path = _sandbox.PathFor("fifo");
        Tools.Run("mkfifo", [path]);

        Exception? e = await WithinTimeout(() => Bus.Open(path).Dispose(), "Bus.Open on a FIFO");

        Assert.IsType<BusKeyFileCorruptException>(e);
        Assert.Contains("FIFO", e.Message);
    }

    [Fact]
    public void Parse_accepts_any_text_after_the_two_key_lines()
    {
        Assert.Equal(new BusKeys(1027577188, 984348630), KeyFileFormat.Parse("p", "1027577188\n984348630\n"u8));
        Assert.Equal(new BusKeys(1027577188, 984348630), KeyFileFormat.Parse("p", "1027577188\n984348630\nextra text\nmore"u8));
        Assert.Equal(new BusKeys(1027577188, 984348630), KeyFileFormat.Parse("p", "1027577188\n984348630\n\0\xff"u8.ToArray()));
        Assert.Equal(new BusKeys(1, int.MaxValue), KeyFileFormat.Parse("p", "1\n2147483647\n"u8));
    }

    [Theory]
    [InlineData("1\n2\nipc:[4026531839]\n", 4026531839UL)]
    [InlineData("1\n2\nipc:[4026531839]", 4026531839UL)]
    [InlineData("1\n2\n ipc:[7]\r\nmore\n", 7UL)]
    [InlineData("1\n2\n", null)]
    [InlineData("1\n2", null)]
    [InlineData("1\n2\nwritten by hand\n", null)]
    [InlineData("1\n2\nipc:[]\n", null)]
    [InlineData("1\n2\nipc:[12x]\n", null)]
    [InlineData("1\n2\nipc:[-1]\n", null)]
    [InlineData("1\n2\nipc:[99999999999999999999]\n", null)]
    [InlineData("1\n2\n\nipc:[7]\n", null)]
    public void The_third_line_may_record_the_IPC_namespace_that_made_the_key_file(string text, ulong? expected)
    {
        Assert.Equal(new BusKeys(1, 2), KeyFileFormat.Parse("p", Encoding.ASCII.GetBytes(text), out ulong? ipcNamespace));
        Assert.Equal(expected, ipcNamespace);
    }

    [Fact]
    public void Parse_error_messages_say_which_line_is_wrong()
    {
        var e = Assert.Throws<BusKeyFileCorruptException>(() => KeyFileFormat.Parse("/x/key", "12\nabc\n"u8));
        Assert.Contains("line 2", e.Message);
        Assert.Contains("abc", e.Message);
        e = Assert.Throws<BusKeyFileCorruptException>(() => KeyFileFormat.Parse("/x/key", "-1\n12\n"u8));
        Assert.Contains("line 1", e.Message);
        e = Assert.Throws<BusKeyFileCorruptException>(() => KeyFileFormat.Parse("/x/key", "12\n\x01\x02\n"u8));
        Assert.False(e.Message.Any(char.IsControl), $"control characters in '{e.Message}'");
        Assert.Contains("\\x01\\x02", e.Message, StringComparison.Ordinal); // escaped
    }

    // ---- what the C reader (getline + atoll) reads unambiguously, and what stays refused ----

    [Theory]
    [InlineData("1027577188\n984348630\n", 1027577188, 984348630)] // the canonical form
    [InlineData("1027577188\n984348630", 1027577188, 984348630)] // no final newline
    [InlineData("1027577188\r\n984348630\r\n", 1027577188, 984348630)] // CRLF
    [InlineData("1027577188\r\n984348630\r", 1027577188, 984348630)] // CRLF, no final newline
    [InlineData("  1027577188\n\t984348630\n", 1027577188, 984348630)] // blanks before
    [InlineData("1027577188 \t\n984348630  \n", 1027577188, 984348630)] // blanks after
    [InlineData(" 1027577188 \r\n 984348630 \r\n", 1027577188, 984348630)] // blanks and CR
    [InlineData("+1027577188\n+984348630\n", 1027577188, 984348630)] // leading +
    [InlineData("0001027577188\n00000000000000000000984348630\n", 1027577188, 984348630)] // leading zeros
    [InlineData("-5\n-984348630\n", -5, -984348630)] // negative keys are System V keys
    [InlineData("-2147483648\n2147483647\n", int.MinValue, int.MaxValue)] // the ends of key_t
    [InlineData("-2\n1\n", -2, 1)] // next to -1 and 0
    [InlineData("1\n2\nanything\n", 1, 2)] // text after line 2
    [InlineData("1\n2\n\n\n0\n-1\nxyz", 1, 2)] // even lines that would be bad keys
    public void Parse_accepts_what_the_C_reader_reads_the_same_way(string text, int semaphoreKey, int segmentKey)
    {
        Assert.Equal(new BusKeys(semaphoreKey, segmentKey), KeyFileFormat.Parse("p", Encoding.Latin1.GetBytes(text)));
    }

    [Theory]
    [InlineData("", "line 1 (semaphore key) missing (found nothing)")] // fewer than two lines
    [InlineData("1027577188", "line 2 (shared memory key) missing (found only one line)")]
    [InlineData("1027577188\n", "line 2 (shared memory key) missing (found nothing)")]
    [InlineData("1027577188\r\n", "line 2 (shared memory key) missing (found nothing)")]
    [InlineData("\n984348630\n", "line 1 (semaphore key) is ''")] // no digits
    [InlineData("   \n984348630\n", "line 1 (semaphore key) is '   '")]
    [InlineData("abc\n984348630\n", "line 1 (semaphore key) is 'abc'")]
    [InlineData("+\n984348630\n", "line 1 (semaphore key) is '+'")]
    [InlineData("-\n984348630\n", "line 1 (semaphore key) is '-'")]
    [InlineData("1027577188\n\n", "line 2 (shared memory key) is ''")]
    [InlineData("1027577188\n \t", "line 2 (shared memory key) is ' \\x09'")]
    [InlineData("123abc\n984348630\n", "line 1 (semaphore key) is '123abc'")] // trailing garbage on a key line
    [InlineData("123 abc\n984348630\n", "line 1 (semaphore key) is '123 abc'")]
    [InlineData("12 3\n984348630\n", "line 1 (semaphore key) is '12 3'")]
    [InlineData("1027577188\n984348630x\n", "line 2 (shared memory key) is '984348630x'")]
    [InlineData("1027577188\n98\r4348630\n", "line 2 (shared memory key) is '98\\x0d4348630'")]
    [InlineData("1e3\n984348630\n", "line 1 (semaphore key) is '1e3'")]
    [InlineData("0x10\n984348630\n", "line 1 (semaphore key) is '0x10'")]
    [InlineData("+-1\n984348630\n", "line 1 (semaphore key) is '+-1'")]
    [InlineData("\v1\n984348630\n", "line 1 (semaphore key) is '\\x0b1'")] // only blanks are skipped
    [InlineData("0\n984348630\n", "line 1 (semaphore key) is '0'")] // IPC_PRIVATE
    [InlineData("-0\n984348630\n", "line 1 (semaphore key) is '-0'")]
    [InlineData("+000\n984348630\n", "line 1 (semaphore key) is '+000'")]
    [InlineData("1027577188\n0\n", "line 2 (shared memory key) is '0'")]
    [InlineData("-1\n984348630\n", "line 1 (semaphore key) is '-1'")]
    [InlineData("1027577188\n-001\n", "line 2 (shared memory key) is '-001'")]
    [InlineData("2147483648\n984348630\n", "line 1 (semaphore key) is '2147483648'")] // out of key_t
    [InlineData("-2147483649\n984348630\n", "line 1 (semaphore key) is '-2147483649'")]
    [InlineData("99999999999999999999999\n984348630\n", "line 1 (semaphore key) is '99999999999999999999999'")]
    [InlineData("1027577188\n4294967295\n", "line 2 (shared memory key) is '4294967295'")]
    public void Parse_refuses_what_is_ambiguous_or_dangerous_naming_the_line(string text, string error)
    {
        var e = Assert.Throws<BusKeyFileCorruptException>(() => KeyFileFormat.Parse("/x/key", Encoding.Latin1.GetBytes(text)));
        Assert.StartsWith("/x/key: not a bus key file: ", e.Message);
        Assert.Contains(error, e.Message, StringComparison.Ordinal);
        Assert.False(e.Message.Any(char.IsControl), $"control characters in '{e.Message}'");
    }

    [Theory]
    [InlineData("{0}\n{1}")]
    [InlineData("{0}\r\n{1}\r\n")]
    [InlineData(" +000{0} \n\t{1}\t\nwritten by hand\n")]
    public void A_key_file_in_any_accepted_form_opens_the_bus_it_names_and_writers_keep_the_canonical_form(string form)
    {
        string path = _sandbox.CreateBus();
        BusKeys keys = KeyFileFormat.Read(path);
        Assert.Equal(BusAssert.KeyFileText(keys), File.ReadAllText(path));
        File.WriteAllText(path, string.Format(form, keys.SemaphoreKey, keys.SegmentKey));

        using Bus bus = Bus.Open(path);

        Assert.Equal(keys, bus.Keys);
        Assert.Equal($"{keys.SemaphoreKey}\n{keys.SegmentKey}\n", bus.Keys.ToString());
    }

    [Fact]
    public void Negative_keys_that_name_no_objects_are_a_removed_bus_not_a_corrupt_key_file()
    {
        string path = _sandbox.PathFor("negative");
        File.WriteAllText(path, "-5\n-7\n");

        var e = Assert.Throws<BusRemovedException>(() => Bus.Open(path));
        Assert.Contains("-5", e.Message);
    }

    [Fact]
    public void A_key_file_with_trailing_text_opens_the_bus_it_names()
    {
        string path = _sandbox.CreateBus();
        BusKeys keys = KeyFileFormat.Read(path);
        File.AppendAllText(path, "written by someone else\n" + new string('x', 10_000));

        using Bus bus = Bus.Open(path);

        Assert.Equal(keys, bus.Keys);
    }

    // ---- key files whose IPC objects are gone or are not a bus ----

    [Fact]
    public void Opening_a_bus_whose_objects_were_ipcrmed_is_BusRemovedException_saying_how_to_recreate()
    {
        string path = _sandbox.CreateBus();
        BusKeys keys = KeyFileFormat.Read(path);
        Tools.Run("ipcrm", ["-S", keys.SemaphoreKey.ToString(), "-M", keys.SegmentKey.ToString()]);
        string before = Listing(_sandbox.Directory);

        foreach (BusAccess access in new[] { BusAccess.Listen, BusAccess.Broadcast, BusAccess.ListenAndBroadcast })
        {
            var e = Assert.Throws<BusRemovedException>(() => Bus.Open(path, access));
            AssertOneLineNaming(path, e);
            Assert.Contains("create", e.Message);
            Assert.Contains(keys.SemaphoreKey.ToString(), e.Message);
        }
        Assert.Throws<BusRemovedException>(() => Bus.GetInfo(path));
        Assert.Equal(before, Listing(_sandbox.Directory));

        // Remove cleans up the key file and says the objects were already gone.
        BusRemoval removal = Bus.Remove(path);
        Assert.True(removal.SemaphoreArray.AlreadyGone, removal.ToString());
        Assert.True(removal.Segment.AlreadyGone, removal.ToString());
        Assert.True(removal.KeyFile.Removed, removal.ToString());
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Opening_a_bus_whose_segment_alone_was_ipcrmed_is_BusRemovedException()
    {
        string path = _sandbox.CreateBus();
        BusKeys keys = KeyFileFormat.Read(path);
        Tools.Run("ipcrm", ["-M", keys.SegmentKey.ToString()]);

        var e = Assert.Throws<BusRemovedException>(() => Bus.Open(path));

        AssertOneLineNaming(path, e);
        Assert.Contains("shared memory segment", e.Message);
        Assert.Contains("create", e.Message);
    }

    [Fact]
    public void A_key_naming_a_semaphore_array_of_another_size_is_an_object_mismatch()
    {
        string path = _sandbox.PathFor("foreign");
        using var foreign = new ForeignSemaphoreArray(path);
        string before = Listing(_sandbox.Directory);

        var e = Assert.Throws<BusObjectMismatchException>(() => Bus.Open(path));
        AssertOneLineNaming(path, e);
        var e2 = Assert.Throws<BusObjectMismatchException>(() => Bus.Create(path));
        AssertOneLineNaming(path, e2);
        Assert.Equal(before, Listing(_sandbox.Directory));
        Assert.Equal(foreign.Id, SemGet(foreign.Key, 0, 0)); // not removed by anyone
    }

    [Fact]
    public void Remove_of_a_key_file_naming_a_foreign_semaphore_array_leaves_that_array_alone()
    {
        string path = _sandbox.PathFor("foreign");
        using var foreign = new ForeignSemaphoreArray(path);
        string before = Listing(_sandbox.Directory);

        Exception? e = Record.Exception(() => Bus.Remove(path));

        Assert.Equal(foreign.Id, SemGet(foreign.Key, 0, 0)); // Open calls it "not made by bus": Remove must not destroy it
        Assert.IsType<BusObjectMismatchException>(e);
        Assert.Equal(before, Listing(_sandbox.Directory));
    }

    /// <summary>Someone else's 3-semaphore array and a key file naming it; removed on Dispose.</summary>
    private sealed class ForeignSemaphoreArray : IDisposable
    {
        public ForeignSemaphoreArray(string keyFile)
        {
            Id = -1;
            for (int i = 0; i < 100 && Id < 0; i++)
            {
                Key = Random.Shared.Next(1, 1 << 30);
                Id = SemGet(Key, 3, IPC_CREAT | IPC_EXCL | Convert.ToInt32("600", 8));
            }
            Assert.True(Id >= 0, "could not create a foreign semaphore array");
            File.WriteAllText(keyFile, $"{Key}\n{Key}\n");
        }

        public int Key { get; }
        public int Id { get; }

        public void Dispose() => SemCtl(Id, 0, IPC_RMID);
    }

    [Fact]
    public void An_unreadable_key_file_is_BusAccessDeniedException()
    {
        string path = _sandbox.PathFor("secret");
        File.WriteAllText(path, "1027577188\n984348630\n");
        File.SetUnixFileMode(path, UnixFileMode.None);

        if (!AsNobody.IsRoot)
        {
            var e = Assert.Throws<BusAccessDeniedException>(() => Bus.Open(path));
            AssertOneLineNaming(path, e);
            Assert.Contains("key file", e.Message);
            return;
        }

        // Root reads anything: ask nobody instead.
        AsNobody.MakeSearchable(_sandbox.Directory);
        Peer peer = _sandbox.Track(OtherUser.Nobody("listen", path, "1"));
        Assert.Equal(1, peer.WaitForExit(TimeSpan.FromSeconds(30)));
        string error = peer.StderrText;
        Assert.StartsWith($"error: {nameof(BusAccessDeniedException)}: {path}: ", error);
        Assert.Contains("key file", error);
        Assert.DoesNotContain("\n", error);
        Assert.Equal(UnixFileMode.None, File.GetUnixFileMode(path));
    }

    // ---- Create ----

    [Fact]
    public void Create_on_an_existing_non_bus_file_is_BusKeyFileCorruptException_and_the_file_is_untouched()
    {
        string path = _sandbox.PathFor("notes");
        File.WriteAllText(path, "my notes\n");
        File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32("644", 8));
        string before = Listing(_sandbox.Directory);

        var e = Assert.Throws<BusKeyFileCorruptException>(() => Bus.Create(path));

        AssertOneLineNaming(path, e);
        Assert.Equal("my notes\n", File.ReadAllText(path));
        Assert.Equal((UnixFileMode)Convert.ToInt32("644", 8), File.GetUnixFileMode(path));
        Assert.Equal(before, Listing(_sandbox.Directory));
    }

    [Fact]
    public void Exclusive_create_on_an_existing_file_is_BusAlreadyExistsException()
    {
        string notes = _sandbox.PathFor("notes");
        File.WriteAllText(notes, "my notes\n");
        string bus = _sandbox.CreateBus();
        string busText = File.ReadAllText(bus);
        string before = Listing(_sandbox.Directory);

        var e1 = Assert.Throws<BusAlreadyExistsException>(() => Bus.Create(notes, exclusive: true));
        var e2 = Assert.Throws<BusAlreadyExistsException>(() => Bus.Create(bus, exclusive: true));

        AssertOneLineNaming(notes, e1);
        AssertOneLineNaming(bus, e2);
        Assert.Equal(Interop.Errors.EEXIST, e1.Errno);
        Assert.Equal("my notes\n", File.ReadAllText(notes));
        Assert.Equal(busText, File.ReadAllText(bus));
        Assert.Equal(before, Listing(_sandbox.Directory));
    }

    [Fact]
    public void Create_on_an_existing_bus_returns_and_leaves_it_as_it_is()
    {
        string path = _sandbox.CreateBus();
        BusInfo info = Bus.GetInfo(path);
        string text = File.ReadAllText(path);
        var ipc = new IpcScope();

        Assert.Equal(path, Bus.Create(path));

        Assert.Equal(text, File.ReadAllText(path));
        Assert.Equal(info, Bus.GetInfo(path));
        Assert.Equal("", ipc.DescribeLeaks());
    }

    [Fact]
    public void Create_on_a_symlink_to_an_existing_bus_returns_and_leaves_both_as_they_are()
    {
        string path = _sandbox.CreateBus();
        string link = _sandbox.PathFor("link");
        File.CreateSymbolicLink(link, path);
        string text = File.ReadAllText(path);

        Assert.Equal(link, Bus.Create(link));

        Assert.Equal(text, File.ReadAllText(path));
        Assert.NotNull(new FileInfo(link).LinkTarget);
    }

    [Fact]
    public void Create_on_the_key_file_of_a_partly_removed_bus_is_BusRemovedException_and_leaves_the_file()
    {
        // (With both objects gone the key file is stale and Create replaces it: StatusTests.)
        string path = _sandbox.CreateBus();
        BusKeys keys = KeyFileFormat.Read(path);
        Tools.Run("ipcrm", ["-S", keys.SemaphoreKey.ToString()]);
        string before = Listing(_sandbox.Directory);

        var e = Assert.Throws<BusRemovedException>(() => Bus.Create(path));

        AssertOneLineNaming(path, e);
        Assert.Contains("create", e.Message);
        Assert.Equal(before, Listing(_sandbox.Directory));
    }

    [Fact]
    public void Create_on_a_directory_is_BusKeyFileCorruptException_or_with_exclusive_BusAlreadyExistsException()
    {
        string path = _sandbox.PathFor("dir");
        Directory.CreateDirectory(path);
        string before = Listing(_sandbox.Directory);

        AssertOneLineNaming(path, Assert.Throws<BusKeyFileCorruptException>(() => Bus.Create(path)));
        AssertOneLineNaming(path, Assert.Throws<BusAlreadyExistsException>(() => Bus.Create(path, exclusive: true)));

        Assert.Equal(before, Listing(_sandbox.Directory));
    }

    [Fact]
    public void Create_in_a_missing_directory_is_BusNotFoundException_and_leaves_nothing()
    {
        string path = Path.Combine(_sandbox.Directory, "no", "such", "dir", "bus");
        string before = Listing(_sandbox.Directory);

        var e = Assert.Throws<BusNotFoundException>(() => Bus.Create(path));

        AssertOneLineNaming(path, e);
        Assert.Equal(before, Listing(_sandbox.Directory));
    }

    [Fact]
    public void Create_below_a_regular_file_is_BusNotFoundException_and_leaves_nothing()
    {
        string file = _sandbox.PathFor("file");
        File.WriteAllText(file, "x\n");
        string path = Path.Combine(file, "bus");
        string before = Listing(_sandbox.Directory);

        var e = Assert.Throws<BusNotFoundException>(() => Bus.Create(path));

        AssertOneLineNaming(path, e);
        Assert.Equal(before, Listing(_sandbox.Directory));
    }

    [Fact]
    public void CreateRandom_makes_a_0600_bus_under_XDG_RUNTIME_DIR_bus_in_a_0755_directory()
    {
        string? saved = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        string runtime = _sandbox.PathFor("runtime");
        Directory.CreateDirectory(runtime);
        string? path = null;
        try
        {
            Environment.SetEnvironmentVariable("XDG_RUNTIME_DIR", runtime);
            path = Bus.CreateRandom();
            string second = Bus.CreateRandom();

            Assert.Matches("^" + Regex.Escape(runtime) + "/bus/random\\.[0-9a-zA-Z]{30}$", path);
            Assert.Matches("^" + Regex.Escape(runtime) + "/bus/random\\.[0-9a-zA-Z]{30}$", second);
            Assert.NotEqual(path, second);
            Assert.Equal(Octal("755"), File.GetUnixFileMode(Path.Combine(runtime, "bus")));
            Assert.Equal(Octal("600"), File.GetUnixFileMode(path));
            BusInfo info = Bus.GetInfo(path);
            Assert.Equal(Convert.ToInt32("600", 8), info.Mode);
            Assert.Equal(Convert.ToInt32("600", 8), info.SegmentMode);
            Assert.Equal(Convert.ToInt32("600", 8), info.KeyFileMode);
            using (Bus bus = Bus.Open(path)) BusAssertIdle(bus);

            Assert.True(Bus.Remove(second).Succeeded);
            Assert.True(Bus.Remove(path).Succeeded);
            path = null;
            // Left: the registry of the creates (0700), its records gone with the buses.
            Assert.Equal([Path.Combine(runtime, "bus", ".registry")], Directory.EnumerateFileSystemEntries(Path.Combine(runtime, "bus")));
            Assert.Equal(Octal("700"), File.GetUnixFileMode(Path.Combine(runtime, "bus", ".registry")));
            Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(runtime, "bus", ".registry")));
        }
        finally
        {
            Environment.SetEnvironmentVariable("XDG_RUNTIME_DIR", saved);
            foreach (string f in Directory.Exists(Path.Combine(runtime, "bus")) ? Directory.GetFiles(Path.Combine(runtime, "bus")) : [])
            {
                try { Bus.Remove(f); } catch (BusException) { }
            }
        }
    }

    [Fact]
    public void CreateRandom_uses_an_existing_bus_directory_as_it_is()
    {
        string? saved = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        string runtime = _sandbox.PathFor("runtime");
        string dir = Path.Combine(runtime, "bus");
        Directory.CreateDirectory(dir);
        File.SetUnixFileMode(dir, Octal("700"));
        try
        {
            Environment.SetEnvironmentVariable("XDG_RUNTIME_DIR", runtime);
            string path = Bus.CreateRandom();
            try
            {
                Assert.StartsWith(dir + "/random.", path);
                Assert.Equal(Octal("700"), File.GetUnixFileMode(dir));
            }
            finally
            {
                Bus.Remove(path);
            }
        }
        finally
        {
            Environment.SetEnvironmentVariable("XDG_RUNTIME_DIR", saved);
        }
    }

    [Fact]
    public void CreateRandom_when_XDG_RUNTIME_DIR_bus_is_a_file_is_a_BusException_naming_it()
    {
        string? saved = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        string runtime = _sandbox.PathFor("runtime");
        Directory.CreateDirectory(runtime);
        File.WriteAllText(Path.Combine(runtime, "bus"), "not a directory\n");
        string before = Listing(_sandbox.Directory);
        try
        {
            Environment.SetEnvironmentVariable("XDG_RUNTIME_DIR", runtime);

            var e = Assert.ThrowsAny<BusException>(() => Bus.CreateRandom());

            AssertOneLineNaming(Path.Combine(runtime, "bus"), e);
            Assert.Equal(before, Listing(_sandbox.Directory));
        }
        finally
        {
            Environment.SetEnvironmentVariable("XDG_RUNTIME_DIR", saved);
        }
    }

    // ---- helpers ----

    /// <summary>Runs <paramref name="action"/> on the thread pool; fails if it takes longer than <see cref="Wait"/>.</summary>
    private static async Task<Exception?> WithinTimeout(Action action, string what)
    {
        Task<Exception?> run = Task.Run<Exception?>(() => Record.Exception(action));
        try
        {
            return await run.WaitAsync(Wait);
        }
        catch (TimeoutException)
        {
            throw new Xunit.Sdk.XunitException($"{what} did not return within {Wait.TotalSeconds} s");
        }
    }

    private static UnixFileMode Octal(string mode) => (UnixFileMode)Convert.ToInt32(mode, 8);

    private static void BusAssertIdle(Bus bus)
    {
        BusSemaphoreValues v = bus.GetSemaphoreValues();
        Assert.Equal(new BusSemaphoreValues(0, 0, 1, 0, 0), v);
    }

    private static void AssertOneLineNaming(string path, BusException e)
    {
        Assert.False(e.Message.Contains('\n') || e.Message.Contains('\r'), $"message is not one line: '{e.Message}'");
        Assert.Contains(path, e.Message);
    }

    /// <summary>Every entry below <paramref name="directory"/> with its type, mode, size and content hash.</summary>
    private static string Listing(string directory)
    {
        var sb = new StringBuilder();
        foreach (string entry in Directory.EnumerateFileSystemEntries(directory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var info = new FileInfo(entry);
            sb.Append(Path.GetRelativePath(directory, entry)).Append(' ');
            if (info.LinkTarget is { } target) sb.Append("-> ").Append(target);
            else if (Directory.Exists(entry)) sb.Append("dir ").Append(info.UnixFileMode);
            else if (IsFifo(entry)) sb.Append("fifo ").Append(info.UnixFileMode);
            else sb.Append(info.UnixFileMode).Append(' ').Append(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(entry))));
            sb.Append('\n');
        }
        return sb.ToString();
    }

    private static bool IsFifo(string path)
        => Mono.Unix.Native.Syscall.lstat(path, out var st) == 0
           && (st.st_mode & Mono.Unix.Native.FilePermissions.S_IFMT) == Mono.Unix.Native.FilePermissions.S_IFIFO;
}
