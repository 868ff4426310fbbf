using System.Text.Json;
using BusCli.Tests.Infrastructure;

namespace BusCli.Tests;

/// <summary>bus status, list, gc, run, remove -f and create over a stale key file (issue 16).</summary>
public sealed class OperatorTests : IDisposable
{
    private readonly CliSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    private CliProcess Listen(string bus)
    {
        CliProcess listener = _sandbox.Start("listen", "--ready", bus);
        listener.WaitUntilListening();
        return listener;
    }

    private JsonElement StatusJson(string bus)
    {
        RunResult result = _sandbox.Run("status", "--json", bus);
        Assert.True(result.ExitCode == 0, result.ToString());
        return JsonDocument.Parse(result.Stdout).RootElement;
    }

    /// <summary>S W X Q N, read without attaching the segment.</summary>
    private static int[] Values(string bus)
        => LibBus.Bus.GetStatus(bus).SemaphoreArray!.Semaphores.Select(s => s.Value).ToArray();

    /// <summary>The /proc/sysvipc lines of the bus's two objects: values, times, attach counts, last pids.</summary>
    private static string KernelView(string bus)
    {
        string[] keys = File.ReadAllLines(bus);
        return IpcTable.Line(int.Parse(keys[0]), isSegment: false) + "\n" + IpcTable.Line(int.Parse(keys[1]), isSegment: true);
    }

    /// <summary>Removes the bus's objects and leaves the key file: what a reboot or RemoveIPC leaves.</summary>
    private static void MakeStale(string bus)
    {
        string[] keys = File.ReadAllLines(bus);
        using CliProcess ipcrm = CliProcess.Shell($"ipcrm -S {keys[0]} -M {keys[1]}");
        Assert.Equal(0, ipcrm.WaitForExit().ExitCode);
    }

    /// <summary>In the sandbox: a live bus "a", a stale bus "b", and "notes.txt", which is not a bus.</summary>
    private (string Alive, string Stale) AliveStaleAndNotes()
    {
        string alive = _sandbox.CreateBus("a");
        string stale = _sandbox.CreateBus("b");
        MakeStale(stale);
        File.WriteAllText(_sandbox.PathFor("notes.txt"), "not a bus\n");
        return (alive, stale);
    }

    [Fact]
    public void Status_counts_a_waiting_listener_and_reading_it_changes_nothing_in_the_kernel()
    {
        string bus = _sandbox.CreateBus();
        using CliProcess listener = Listen(bus);
        Eventually.True(() => Values(bus)[0] == 1, "the listener is counted");
        string before = KernelView(bus);

        JsonElement status = StatusJson(bus);
        RunResult text = _sandbox.Run("status", bus);

        Assert.Equal(before, KernelView(bus));
        Assert.Equal(bus, status.GetProperty("path").GetString());
        Assert.Equal("alive", status.GetProperty("state").GetString());
        Assert.Equal(1, status.GetProperty("listeners_joined").GetInt32());
        Assert.Equal(1, status.GetProperty("listeners_waiting_for_message").GetInt32());
        Assert.False(status.GetProperty("delivery_in_progress").GetBoolean());
        Assert.Equal(0, status.GetProperty("broadcasters_waiting").GetInt32());
        Assert.Equal("0600", status.GetProperty("key_file").GetProperty("mode").GetString());
        Assert.Equal("0600", status.GetProperty("semaphore_array").GetProperty("mode").GetString());
        Assert.Equal(1, status.GetProperty("segment").GetProperty("attached").GetInt32());
        Assert.Equal(1, status.GetProperty("semaphore_array").GetProperty("semaphores").GetProperty("Q").GetProperty("waiting_for_zero").GetInt32());
        Assert.Equal(0, text.ExitCode);
        Assert.Contains("state:            alive\n", text.Stdout);
        Assert.Contains("listeners:        1 joined, 1 waiting for a message\n", text.Stdout);
    }

    [Theory]
    [InlineData(2, 3, "X = 3, but the broadcaster lock is 0 or 1")]
    [InlineData(4, 2, "N = 2, but it is 0 or 1")]
    public void Status_calls_a_bus_whose_lock_or_delivery_flag_is_above_1_corrupt_not_free(int semaphore, int value, string why)
    {
        string bus = _sandbox.CreateBus();
        Assert.True(JsonDocument.Parse(_sandbox.Run("status", "--json", bus).Stdout).RootElement.GetProperty("corruption").ValueKind == JsonValueKind.Null);
        using (var open = LibBus.Bus.Open(bus, LibBus.BusAccess.Listen))
            Assert.Equal(0, LibBus.Interop.Libc.SemCtl(open.SemaphoreId, semaphore, LibBus.Interop.Libc.SETVAL, value));

        RunResult text = _sandbox.Run("status", bus);
        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Contains($"state:            corrupt ({why}: not a sound bus; 'bus remove' it and create it again)\n", text.Stdout);
        Assert.Contains("; lock corrupt\n", text.Stdout);
        Assert.DoesNotContain("lock free", text.Stdout);
        JsonElement json = StatusJson(bus);
        Assert.Equal(why, json.GetProperty("corruption").GetString());
    }

    [Fact]
    public void Status_shows_a_delivery_held_by_a_stopped_listener_and_a_broadcaster_waiting_behind_it()
    {
        string bus = _sandbox.CreateBus();
        using CliProcess listener = Listen(bus);
        listener.Signal(Proc.SIGSTOP);
        Eventually.True(() => Proc.State(listener.Id) == 'T', "the listener is stopped");
        using CliProcess first = _sandbox.Start("broadcast", bus, "first");
        Eventually.True(() => Values(bus)[4] == 1, "the first broadcaster published");
        using CliProcess second = _sandbox.Start("broadcast", bus, "second");
        Eventually.True(() => StatusJson(bus).GetProperty("broadcasters_waiting").GetInt32() == 1, "the second broadcaster waits");

        JsonElement status = StatusJson(bus);
        Assert.True(status.GetProperty("delivery_in_progress").GetBoolean());
        Assert.Equal(1, status.GetProperty("listeners_holding_delivery").GetInt32());
        Assert.Equal(1, status.GetProperty("listeners_joined").GetInt32());
        Assert.True(status.GetProperty("locked").GetBoolean());
        Assert.Contains("delivery:         in progress, 1 listener(s) have not acknowledged it yet\n", _sandbox.Run("status", bus).Stdout);

        listener.Signal(Proc.SIGCONT);
        Assert.Equal(0, first.WaitForExit().ExitCode);
        Assert.Equal(0, second.WaitForExit().ExitCode);
        listener.WaitForLines(2);
        listener.Signal(Proc.SIGTERM);
        listener.WaitForExit();
    }

    [Fact]
    public void Status_of_a_stale_bus_says_stale_and_of_a_missing_one_fails()
    {
        string bus = _sandbox.CreateBus();
        MakeStale(bus);
        JsonElement status = StatusJson(bus);
        Assert.Equal("stale", status.GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, status.GetProperty("semaphore_array").ValueKind);
        Assert.Equal(JsonValueKind.Null, status.GetProperty("listeners_joined").ValueKind);

        RunResult missing = _sandbox.Run("status", _sandbox.PathFor("none"));
        Assert.Equal(1, missing.ExitCode);
        Assert.Equal($"bus: {_sandbox.PathFor("none")}: no such bus (the key file does not exist)\n", missing.Stderr);
    }

    [Fact]
    public void List_shows_each_bus_with_its_state_and_listeners_and_skips_other_files()
    {
        (string alive, string stale) = AliveStaleAndNotes();
        File.CreateSymbolicLink(_sandbox.PathFor("link"), alive);
        Directory.CreateDirectory(_sandbox.PathFor("sub"));
        using CliProcess listener = Listen(alive);

        RunResult text = _sandbox.Run("list", _sandbox.Directory);
        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Equal($"{alive}\talive\t1\n{stale}\tstale\t-\n", text.Stdout);

        RunResult json = _sandbox.Run("list", "--json", _sandbox.Directory);
        JsonElement[] entries = JsonDocument.Parse(json.Stdout).RootElement.EnumerateArray().ToArray();
        Assert.Equal(2, entries.Length);
        Assert.Equal((alive, "alive", 1), (entries[0].GetProperty("path").GetString(), entries[0].GetProperty("state").GetString(),
            entries[0].GetProperty("listeners_joined").GetInt32()));
        Assert.Equal(JsonValueKind.Null, entries[1].GetProperty("listeners_joined").ValueKind);
    }

    [Fact]
    public void List_without_a_directory_lists_XDG_RUNTIME_DIR_bus_and_a_missing_default_is_empty()
    {
        string runtime = _sandbox.PathFor("runtime");
        var environment = new Dictionary<string, string> { ["XDG_RUNTIME_DIR"] = runtime };
        using (CliProcess empty = _sandbox.Start(["list"], environment))
            Assert.Equal(new RunResult(0, "", ""), empty.WaitForExit());

        Directory.CreateDirectory(Path.Combine(runtime, "bus"));
        string bus = _sandbox.CreateBus("runtime/bus/x");
        using CliProcess list = _sandbox.Start(["list"], environment);
        Assert.Equal(new RunResult(0, $"{bus}\talive\t0\n", ""), list.WaitForExit());

        RunResult missing = _sandbox.Run("list", _sandbox.PathFor("nowhere"));
        Assert.Equal(1, missing.ExitCode);
        Assert.Equal($"bus: {_sandbox.PathFor("nowhere")}: no such directory\n", missing.Stderr);
    }

    [Fact]
    public void Gc_removes_stale_key_files_only_and_dry_run_changes_nothing()
    {
        (string alive, string stale) = AliveStaleAndNotes();

        RunResult dry = _sandbox.Run("gc", "--dry-run", _sandbox.Directory);
        Assert.Equal(new RunResult(0, $"would remove stale key file {stale}\n", ""), dry);
        Assert.True(File.Exists(stale));

        RunResult gc = _sandbox.Run("gc", _sandbox.Directory);
        Assert.Equal(new RunResult(0, $"removed stale key file {stale}\n", ""), gc);
        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(alive));
        Assert.True(File.Exists(_sandbox.PathFor("notes.txt")));
        Assert.Equal("alive", StatusJson(alive).GetProperty("state").GetString());
        Assert.Equal(new RunResult(0, "", ""), _sandbox.Run("gc", _sandbox.Directory));
    }

    [Fact]
    public void Gc_leaves_another_users_stale_key_file()
    {
        if (!AsNobody.IsRoot) return; // needs setpriv to another user
        AsNobody.MakeSearchable(_sandbox.Directory);
        string stale = _sandbox.CreateBus("mine");
        MakeStale(stale);
        File.SetUnixFileMode(stale, (UnixFileMode)0x1A4); // 0644: nobody can read it and see it is stale
        File.SetUnixFileMode(_sandbox.Directory, (UnixFileMode)0x1FF); // 0777: nobody could unlink it
        RunResult result = Nobody.Run(_sandbox, "gc", _sandbox.Directory);
        Assert.Equal(new RunResult(0, "", ""), result);
        Assert.True(File.Exists(stale));
    }

    [Fact]
    public void Create_over_a_stale_key_file_makes_a_new_bus_in_its_place()
    {
        string bus = _sandbox.CreateBus();
        string old = File.ReadAllText(bus);
        MakeStale(bus);

        RunResult create = _sandbox.Run("create", bus);
        Assert.Equal(new RunResult(0, "", ""), create);
        _sandbox.RememberKeys(bus);
        Assert.NotEqual(old, File.ReadAllText(bus));
        Assert.Equal("alive", StatusJson(bus).GetProperty("state").GetString());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(bus));
        Assert.DoesNotContain(Directory.GetFiles(_sandbox.Directory), f => Path.GetFileName(f).StartsWith(".bus-", StringComparison.Ordinal));

        // A live bus stays as it is; exclusive create of a stale one still fails; a file that is not a bus stays an error.
        string now = File.ReadAllText(bus);
        Assert.Equal(0, _sandbox.Run("create", bus).ExitCode);
        Assert.Equal(now, File.ReadAllText(bus));
        MakeStale(bus);
        Assert.Equal(1, _sandbox.Run("create", "-x", bus).ExitCode);
        Assert.Equal(now, File.ReadAllText(bus));
        string notes = _sandbox.PathFor("notes");
        File.WriteAllText(notes, "hello\n");
        RunResult notABus = _sandbox.Run("create", notes);
        Assert.Equal(1, notABus.ExitCode);
        Assert.Equal("hello\n", File.ReadAllText(notes));
    }

    [Fact]
    public void Create_over_a_stale_key_file_behind_a_symlink_is_refused_and_follows_nothing()
    {
        string bus = _sandbox.CreateBus();
        string old = File.ReadAllText(bus);
        MakeStale(bus);
        string link = _sandbox.PathFor("link");
        File.CreateSymbolicLink(link, bus);
        RunResult result = _sandbox.Run("create", link);
        Assert.Equal(1, result.ExitCode);
        Assert.Equal(old, File.ReadAllText(bus));
        Assert.Equal(bus, new FileInfo(link).LinkTarget);
    }

    [Fact]
    public void Remove_force_accepts_a_missing_bus_and_remove_accepts_a_stale_one()
    {
        Assert.Equal(new RunResult(0, "", ""), _sandbox.Run("remove", "-f", _sandbox.PathFor("none")));
        Assert.Equal(new RunResult(0, "", ""), _sandbox.Run("remove", "--force", _sandbox.PathFor("no/such/dir")));
        string stale = _sandbox.CreateBus();
        MakeStale(stale);
        Assert.Equal(new RunResult(0, "", ""), _sandbox.Run("remove", "-f", stale));
        Assert.False(File.Exists(stale));
        string notes = _sandbox.PathFor("notes");
        File.WriteAllText(notes, "hello\n");
        Assert.Equal(1, _sandbox.Run("remove", "-f", notes).ExitCode);
        Assert.True(File.Exists(notes));
    }

    [Fact]
    public void Run_gives_the_command_a_bus_in_BUS_PATH_removes_it_and_exits_with_its_status()
    {
        string dir = _sandbox.PathFor("runs");
        using CliProcess run = _sandbox.Shell(
            $"exec \"$BUS\" run --dir '{dir}' -- sh -c 'echo \"$BUS_PATH\"; \"$0\" status \"$BUS_PATH\" | head -n 2; exit 7' \"$BUS\"");
        RunResult result = run.WaitForExit();
        Assert.Equal(7, result.ExitCode);
        string path = result.StdoutLines[0];
        Assert.StartsWith(dir + "/run.", path);
        Assert.Equal("state:            alive", result.StdoutLines[2]);
        Assert.False(File.Exists(path));
        Assert.Empty(Directory.GetFiles(dir));
    }

    [Fact]
    public void Run_reports_a_missing_command_with_127_and_leaves_nothing()
    {
        string dir = _sandbox.PathFor("runs");
        RunResult result = _sandbox.Run("run", "--dir", dir, "--", "no-such-command-16");
        Assert.Equal(127, result.ExitCode);
        Assert.Equal("bus: no-such-command-16: command not found\n", result.Stderr);
        Assert.Empty(Directory.GetFiles(dir));
    }

    [Fact]
    public void Run_of_a_directory_says_it_is_one_with_126_and_leaves_nothing()
    {
        string dir = _sandbox.PathFor("runs");
        string notAProgram = _sandbox.PathFor("directory");
        Directory.CreateDirectory(notAProgram);
        RunResult result = _sandbox.Run("run", "--dir", dir, "--", notAProgram);
        Assert.Equal(126, result.ExitCode);
        Assert.Equal($"bus: {notAProgram}: cannot run: it is a directory\n", result.Stderr);
        Assert.Empty(Directory.GetFiles(dir));
    }

    [Fact]
    public void Run_with_an_empty_dir_says_so_in_one_line()
    {
        RunResult result = _sandbox.Run("run", "--dir", "", "--", "true");
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("bus: --dir is empty: it must name a directory\n", result.Stderr);
    }

    [Fact]
    public void Run_passes_arguments_that_are_not_UTF8_byte_for_byte()
    {
        string dir = _sandbox.PathFor("runs"), printed = _sandbox.PathFor("printed");
        // $E is the byte 0xE9 alone: Latin-1 'é', not UTF-8.
        using CliProcess run = _sandbox.Shell(
            $"E=$(printf '\\351'); exec \"$BUS\" run --dir '{dir}' -- printf '%s|%s' \"a$E\" \"$E$E\" > '{printed}'");
        RunResult result = run.WaitForExit();
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(new byte[] { (byte)'a', 0xE9, (byte)'|', 0xE9, 0xE9 }, File.ReadAllBytes(printed));
        Assert.Empty(Directory.GetFiles(dir));
    }

    [Theory]
    [InlineData(Proc.SIGTERM)]
    [InlineData(Proc.SIGINT)]
    [InlineData(Proc.SIGHUP)]
    public void Run_forwards_a_signal_to_the_command_and_exits_with_its_status(int signal)
    {
        string dir = _sandbox.PathFor("runs");
        using CliProcess run = _sandbox.Start("run", "--dir", dir, "--", "sh", "-c",
            $"trap 'echo got; exit 40' {signal}; echo ready; while :; do sleep 0.05; done");
        run.WaitFor((o, _) => o.Contains("ready\n"), "the command to start");
        run.Signal(signal);
        RunResult result = run.WaitForExit();
        Assert.Equal(40, result.ExitCode);
        Assert.Equal("ready\ngot\n", result.Stdout);
        Assert.Empty(Directory.GetFiles(dir));
    }

    [Fact]
    public void Run_exits_128_plus_N_when_the_command_dies_of_signal_N()
    {
        string dir = _sandbox.PathFor("runs");
        RunResult result = _sandbox.Run("run", "--dir", dir, "--", "sh", "-c", "kill -KILL $$");
        Assert.Equal(137, result.ExitCode);
        Assert.Empty(Directory.GetFiles(dir));
    }

    [Fact]
    public void Run_killed_with_SIGKILL_leaves_its_bus_which_gc_removes_once_nothing_uses_it()
    {
        string dir = _sandbox.PathFor("runs");
        using CliProcess run = _sandbox.Start("run", "--dir", dir, "--", "sh", "-c", "echo ready; exec sleep 600");
        run.WaitFor((o, _) => o.Contains("ready\n"), "the command to start");
        string bus = Directory.GetFiles(dir).Single();
        _sandbox.RememberKeys(bus);
        int child = Proc.Children(run.Id).Single().Pid;

        // While bus run lives (it keeps the segment attached), gc leaves the bus alone.
        Assert.Equal(new RunResult(0, "", ""), _sandbox.Run("gc", dir));
        run.Signal(Proc.SIGKILL);
        run.WaitForExit();
        Assert.True(File.Exists(bus));
        try
        {
            // The orphaned command still runs but has not opened the bus: nothing uses it.
            Assert.Equal(new RunResult(0, $"would remove abandoned bus {bus} (its 'bus run' is gone)\n", ""), _sandbox.Run("gc", "-n", dir));
            Assert.True(File.Exists(bus));
            Assert.Equal(new RunResult(0, $"removed abandoned bus {bus} (its 'bus run' is gone)\n", ""), _sandbox.Run("gc", dir));
            Assert.False(File.Exists(bus));
        }
        finally
        {
            Proc.Kill(child, Proc.SIGKILL);
        }
    }

    [Fact]
    public void Gc_does_not_take_a_bus_in_use_for_abandoned()
    {
        string dir = _sandbox.PathFor("runs");
        using CliProcess run = _sandbox.Start("run", "--dir", dir, "--", "sh", "-c", "echo ready; exec sleep 600");
        run.WaitFor((o, _) => o.Contains("ready\n"), "the command to start");
        string bus = Directory.GetFiles(dir).Single();
        _sandbox.RememberKeys(bus);
        int child = Proc.Children(run.Id).Single().Pid;
        using CliProcess listener = Listen(bus);
        run.Signal(Proc.SIGKILL);
        run.WaitForExit();
        try
        {
            Assert.Equal(new RunResult(0, "", ""), _sandbox.Run("gc", dir));
            Assert.True(File.Exists(bus));
        }
        finally
        {
            Proc.Kill(child, Proc.SIGKILL);
        }
    }

    /// <summary>
    /// --orphans runs in an IPC namespace of its own (unshare --ipc, as root), so that it can never
    /// see or remove a real object of the machine; XDG_RUNTIME_DIR is the sandbox's, so the records
    /// of 'bus create' (the default directory's .registry) are the test's.
    /// </summary>
    [Fact]
    public void Gc_orphans_removes_only_the_objects_of_buses_the_caller_created_whose_key_file_is_gone()
    {
        if (!AsNobody.IsRoot) return; // unshare --ipc and setpriv need root
        AsNobody.MakeSearchable(_sandbox.Directory);
        string dir = _sandbox.PathFor("buses");
        string elsewhere = _sandbox.PathFor("elsewhere");
        string others = _sandbox.PathFor("others");
        string runtime = _sandbox.PathFor("xdg");
        Directory.CreateDirectory(dir);
        Directory.CreateDirectory(elsewhere);
        Directory.CreateDirectory(others);
        Directory.CreateDirectory(Path.Combine(runtime, "bus"));
        File.SetUnixFileMode(others, (UnixFileMode)0x1FF);
        string Q(string s) => Nobody.Quote(s);
        // In the namespace: a named bus, an orphan bus (key file deleted), a bus whose key file is in a
        // directory gc does not scan, a bus of nobody's whose key file is deleted, objects of other
        // shapes, objects of exactly a bus's shape that bus create did not make (ipcmk), one whose
        // key file's name is not UTF-8 (outside the scanned directory too), and a bus
        // in use (a listener) whose key file is deleted.
        string script = $$"""
            set -e
            export XDG_RUNTIME_DIR={{Q(runtime)}}
            "$BUS" create {{Q(dir + "/named")}}
            "$BUS" create {{Q(dir + "/orphan")}}
            orphan_keys=$(cat {{Q(dir + "/orphan")}} | tr '\n' ' ')
            rm {{Q(dir + "/orphan")}}
            "$BUS" create {{Q(elsewhere + "/outside")}}
            "$BUS" create "$(printf '%s/caf\351' {{Q(elsewhere)}})"
            {{Nobody.Command("create", others + "/theirs")["exec ".Length..]}}
            rm {{Q(others + "/theirs")}}
            ipcmk -S 4 >/dev/null; ipcmk -M 4096 >/dev/null
            ipcmk -S 5 >/dev/null; ipcmk -M 2048 >/dev/null
            "$BUS" create {{Q(dir + "/used")}}
            "$BUS" listen {{Q(dir + "/used")}} >/dev/null & listener=$!
            sleep 1
            rm {{Q(dir + "/used")}}
            echo "keys $orphan_keys"
            echo "--- recent"
            "$BUS" gc --orphans {{Q(dir)}}
            echo "--- dry"
            "$BUS" gc --orphans --dry-run --min-idle 0 {{Q(dir)}}
            echo "--- real"
            "$BUS" gc --orphans --min-idle 0 {{Q(dir)}}
            echo "--- again"
            "$BUS" gc --orphans --min-idle 0 {{Q(dir)}}
            echo "--- default"
            "$BUS" gc --orphans --min-idle 0
            echo "--- left"
            awk 'NR > 1 { print "sem", $1, $4, $5 }' /proc/sysvipc/sem
            awk 'NR > 1 { print "shm", $1, $4, $8 }' /proc/sysvipc/shm
            kill $listener; wait $listener || true
            rm "$(printf '%s/caf\351' {{Q(elsewhere)}})"
            """;
        using CliProcess shell = _sandbox.Shell($"exec unshare --ipc -- sh -c {Q(script)}");
        RunResult result = shell.WaitForExit(TimeSpan.FromSeconds(60));
        Assert.True(result.ExitCode == 0, result.ToString());
        string[] lines = result.StdoutLines;
        string[] keys = lines[0]["keys ".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string Section(string name) => string.Join("\n", lines.SkipWhile(l => l != "--- " + name).Skip(1).TakeWhile(l => !l.StartsWith("---", StringComparison.Ordinal)));

        Assert.Equal("", Section("recent")); // the default --min-idle (1h) protects them all
        string[] dry = Section("dry").Split('\n');
        Assert.Equal(2, dry.Length);
        string gone = System.Text.RegularExpressions.Regex.Escape($"; its key file {dir}/orphan is gone)");
        Assert.Matches($@"^would remove orphan semaphore array \d+ \(key {keys[0]}{gone}$", dry[0]);
        Assert.Matches($@"^would remove orphan shared memory segment \d+ \(key {keys[1]}{gone}$", dry[1]);
        Assert.Equal(Section("dry").Replace("would remove", "removed", StringComparison.Ordinal), Section("real"));
        Assert.Equal("", Section("again"));
        Assert.Equal("", Section("default"));

        string[] left = Section("left").Split('\n');
        Assert.DoesNotContain(left, l => l.Split(' ')[1] == keys[0] || l.Split(' ')[1] == keys[1]);
        // Left: named, outside, caf\351 (a name that is not UTF-8), nobody's, used and ipcmk's (2 + 2 each).
        Assert.Equal(7, left.Count(l => l.StartsWith("sem ", StringComparison.Ordinal)));
        Assert.Equal(7, left.Count(l => l.StartsWith("shm ", StringComparison.Ordinal)));
        Assert.Equal(2, left.Count(l => l.EndsWith(" 65534", StringComparison.Ordinal)));
    }

    /// <summary>
    /// The issue's race: creates while gc --orphans --min-idle 0 runs over and over (2 of 150
    /// creates returned 0 with a dead bus). Every create that returns 0 has a live bus.
    /// </summary>
    [Fact]
    public void Gc_orphans_never_removes_a_bus_that_create_is_making()
    {
        if (!AsNobody.IsRoot) return; // unshare --ipc needs root
        string dir = _sandbox.PathFor("buses");
        string runtime = _sandbox.PathFor("xdg");
        Directory.CreateDirectory(dir);
        Directory.CreateDirectory(Path.Combine(runtime, "bus"));
        string Q(string s) => Nobody.Quote(s);
        string script = $$"""
            export XDG_RUNTIME_DIR={{Q(runtime)}}
            touch {{Q(dir + "/.go")}}
            ( while [ -e {{Q(dir + "/.go")}} ]; do "$BUS" gc --orphans --min-idle 0 >/dev/null; done ) & gc=$!
            i=0
            while [ $i -lt 40 ]; do
              i=$((i + 1))
              "$BUS" create {{Q(dir)}}/b$i || echo "create $i failed"
              "$BUS" status {{Q(dir)}}/b$i | grep -q '^state: *alive' || echo "bus $i is not alive"
              rm {{Q(dir)}}/b$i
            done
            rm {{Q(dir + "/.go")}}
            wait $gc
            echo done
            """;
        using CliProcess shell = _sandbox.Shell($"exec unshare --ipc -- sh -c {Q(script)}");
        RunResult result = shell.WaitForExit(TimeSpan.FromSeconds(300));
        Assert.Equal(new RunResult(0, "done\n", ""), result);
    }

    [Fact]
    public void Gc_orphans_refuses_when_the_default_directory_is_missing_and_removes_nothing()
    {
        string runtime = _sandbox.PathFor("xdg");
        var environment = new Dictionary<string, string> { ["XDG_RUNTIME_DIR"] = runtime };
        foreach (string[] arguments in new[] { new[] { "gc", "--orphans", "--min-idle", "0" }, ["gc", "--orphans", "--min-idle", "0", _sandbox.Directory] })
        {
            using CliProcess gc = _sandbox.Start(arguments, environment);
            RunResult result = gc.WaitForExit();
            Assert.Equal(1, result.ExitCode);
            Assert.Equal("", result.Stdout);
            Assert.StartsWith($"bus: {runtime}/bus: no such directory: with --orphans, gc needs the default directory", result.Stderr);
            Assert.EndsWith("nothing was removed\n", result.Stderr);
        }
        Assert.False(Directory.Exists(runtime));
    }

    [Theory]
    [InlineData("-s", "semaphore array")]
    [InlineData("-m", "shared memory segment")]
    public void Gc_removes_a_broken_bus_the_remaining_object_and_the_key_file(string ipcrmOption, string gone)
    {
        string bus = _sandbox.CreateBus();
        string[] keys = File.ReadAllLines(bus);
        int kept = int.Parse(ipcrmOption == "-s" ? keys[1] : keys[0]); // the other object
        using (CliProcess ipcrm = CliProcess.Shell($"ipcrm {ipcrmOption.ToUpperInvariant()} {(ipcrmOption == "-s" ? keys[0] : keys[1])}"))
            Assert.Equal(0, ipcrm.WaitForExit().ExitCode);
        _ = gone;

        Assert.Equal(new RunResult(0, $"would remove broken bus {bus} (one of its objects was gone: the other one and the key file)\n", ""),
            _sandbox.Run("gc", "-n", _sandbox.Directory));
        Assert.True(File.Exists(bus));
        Assert.Equal(new RunResult(0, $"removed broken bus {bus} (one of its objects was gone: the other one and the key file)\n", ""),
            _sandbox.Run("gc", _sandbox.Directory));
        Assert.False(File.Exists(bus));
        Assert.DoesNotContain(IpcTable.Semaphores().Concat(IpcTable.Segments()), o => o.Key == kept);
        Assert.Equal(new RunResult(0, "", ""), _sandbox.Run("gc", _sandbox.Directory));
    }

    [Fact]
    public void Gc_leaves_a_broken_bus_whose_remaining_object_is_not_bus_shaped()
    {
        string bus = _sandbox.PathFor("odd");
        using (CliProcess make = _sandbox.Shell($"id=$(ipcmk -S 4 | grep -o '[0-9]*$'); key=$(awk -v id=$id '$2 == id {{ print $1 }}' /proc/sysvipc/sem); printf '%s\\n77777777\\n' $key > {Nobody.Quote(bus)}"))
            Assert.Equal(0, make.WaitForExit().ExitCode);
        _sandbox.RememberKeys(bus);
        Assert.Equal(new RunResult(0, "", ""), _sandbox.Run("gc", _sandbox.Directory));
        Assert.True(File.Exists(bus));
        int key = int.Parse(File.ReadAllLines(bus)[0]);
        Assert.Contains(IpcTable.Semaphores(), o => o.Key == key);
        using (CliProcess ipcrm = CliProcess.Shell($"ipcrm -S {key}"))
            Assert.Equal(0, ipcrm.WaitForExit().ExitCode);
        File.Delete(bus);
    }

    [Fact]
    public void Remove_after_a_removal_stopped_halfway_finishes_it_and_says_what_it_found()
    {
        string bus = _sandbox.CreateBus();
        string[] keys = File.ReadAllLines(bus);
        // What a removal stopped after its first object leaves.
        using (CliProcess ipcrm = CliProcess.Shell($"ipcrm -S {keys[0]}"))
            Assert.Equal(0, ipcrm.WaitForExit().ExitCode);

        Assert.Equal(new RunResult(0, "", $"bus: {bus}: the semaphore array was already gone; removed the shared memory segment; removed the key file\n"),
            _sandbox.Run("remove", bus));
        Assert.False(File.Exists(bus));
        Assert.DoesNotContain(IpcTable.Segments(), o => o.Key == int.Parse(keys[1]));

        // Stopped after both objects: the key file is all that is left.
        string second = _sandbox.CreateBus("second");
        MakeStale(second);
        Assert.Equal(new RunResult(0, "", $"bus: {second}: the semaphore array was already gone; the shared memory segment was already gone; removed the key file\n"),
            _sandbox.Run("remove", second));
        Assert.False(File.Exists(second));
        Assert.Equal(1, _sandbox.Run("remove", second).ExitCode);
        Assert.DoesNotContain(Directory.GetFiles(_sandbox.Directory), f => Path.GetFileName(f).StartsWith(".bus-", StringComparison.Ordinal));
    }

    [Fact]
    public void List_and_gc_escape_names_as_ls_b_and_list_json_keeps_them_exactly()
    {
        // A name that would forge a second line of root's listing, and one with a backslash.
        string forged = _sandbox.CreateBus("x\talive\t0\nforged-line\tstale\t-");
        string slash = _sandbox.CreateBus("back\\slash\u0001");
        MakeStale(slash);

        RunResult text = _sandbox.Run("list", _sandbox.Directory);
        Assert.True(text.ExitCode == 0, text.ToString());
        string d = _sandbox.Directory;
        Assert.Equal($"{d}/back\\\\slash\\001\tstale\t-\n{d}/x\\talive\\t0\\nforged-line\\tstale\\t-\talive\t0\n", text.Stdout);

        RunResult json = _sandbox.Run("list", "--json", _sandbox.Directory);
        string[] paths = JsonDocument.Parse(json.Stdout).RootElement.EnumerateArray().Select(e => e.GetProperty("path").GetString()!).ToArray();
        Assert.Equal(new[] { slash, forged }, paths);

        Assert.Equal($"path:             {d}/back\\\\slash\\001\n", _sandbox.Run("status", slash).StdoutLines[0] + "\n");
        Assert.Equal(new RunResult(0, $"removed stale key file {d}/back\\\\slash\\001\n", ""), _sandbox.Run("gc", _sandbox.Directory));
        RunResult missing = _sandbox.Run("status", slash);
        Assert.Equal($"bus: {d}/back\\\\slash\\001: no such bus (the key file does not exist)\n", missing.Stderr);
    }
}
