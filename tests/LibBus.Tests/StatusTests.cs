using LibBus.Tests.Infrastructure;

namespace LibBus.Tests;

/// <summary>Bus.GetStatus, Bus.ListBuses, Bus.CollectGarbage, PrivateBus and Create over a stale key file (issue 16).</summary>
public sealed class StatusTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private readonly BusSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    /// <summary>The /proc/sysvipc lines of the bus's objects: times, attach count, last pid.</summary>
    private static string KernelView(BusKeys keys)
        => IpcTable.Line(keys.SemaphoreKey, isSegment: false) + "\n" + IpcTable.Line(keys.SegmentKey, isSegment: true);

    private static void MakeStale(string path)
    {
        using Bus bus = Bus.Open(path);
        Tools.Run("ipcrm", ["-s", bus.SemaphoreId.ToString(), "-m", bus.SegmentId.ToString()]);
    }

    [Fact]
    public void GetStatus_names_every_part_and_reading_it_changes_nothing()
    {
        string path = _sandbox.CreateBus();
        Bus handle = _sandbox.Open(path);
        string before = KernelView(handle.Keys);

        BusStatus status = Bus.GetStatus(path);

        Assert.Equal(before, KernelView(handle.Keys));
        Assert.Equal(BusState.Alive, status.State);
        Assert.Equal(handle.Keys, status.Keys);
        Assert.Equal(handle.SemaphoreId, status.SemaphoreArray!.Id);
        Assert.Equal(handle.SegmentId, status.Segment!.Id);
        Assert.Equal(new BusOwnership(Bus.CurrentUser, status.KeyFile.Gid, (UnixFileMode)0x180), status.KeyFile);
        Assert.Equal((UnixFileMode)0x180, status.SemaphoreArray.Ownership.Mode);
        Assert.Equal(1, status.Segment.Attached);
        Assert.Equal(Environment.ProcessId, status.Segment.CreatorPid);
        Assert.Null(status.SemaphoreArray.LastOperation);
        Assert.Equal(["S", "W", "X", "Q", "N"], status.SemaphoreArray.Semaphores.Select(s => s.Name));
        Assert.Equal([0, 0, 1, 0, 0], status.SemaphoreArray.Semaphores.Select(s => s.Value));
        Assert.Equal((0, false, 0, 0, false), (status.ListenersJoined, status.DeliveryInProgress, status.ListenersHoldingDelivery,
            status.BroadcastersWaiting, status.Locked));
    }

    [Fact]
    public async Task ListenersJoined_counts_a_poller_that_deferred_its_requeue_and_one_that_did_not()
    {
        string path = _sandbox.CreateBus();
        Bus bus = _sandbox.Open(path);
        using BusPoller first = bus.StartPolling(Wait);
        using BusPoller second = bus.StartPolling(Wait);
        Assert.Equal(2, Bus.GetStatus(path).ListenersJoined);

        Task broadcast = Task.Run(() => bus.Broadcast("1 hello", Wait));
        Assert.Equal("1 hello", first.Poll(Wait)!.Text);
        Assert.Equal("1 hello", second.Poll(Wait)!.Text);
        await broadcast.WaitAsync(Wait);

        // Each poller holds W (deferred re-queue) or is counted in S again: S + W is 2 either way.
        BusStatus status = Bus.GetStatus(path);
        Assert.Equal(2, status.SemaphoreArray!.S.Value + status.SemaphoreArray.W.Value);
        Assert.Equal(2, status.ListenersJoined);
        Assert.False(status.DeliveryInProgress);
    }

    /// <summary>
    /// A key file whose name is not UTF-8 (the byte 0xE9 of Latin-1 "café", and a lone 0xFF): held in
    /// a string as U+DCE9 / U+DCFF, created under exactly those bytes, listed, opened and removed
    /// (issue 22, N8: the runtime's enumeration turned such names into U+FFFD and list and gc skipped them).
    /// </summary>
    [Fact]
    public void Key_files_whose_names_are_not_UTF8_are_created_listed_opened_and_collected_byte_for_byte()
    {
        string cafe = _sandbox.CreateBus("caf\uDCE9");
        string ff = _sandbox.CreateBus("x\uDCFFy");
        string plain = _sandbox.CreateBus("caf\u00E9"); // the same word in UTF-8: another name

        // The names on disk are the bytes meant (the runtime shows a byte that is not UTF-8 as U+FFFD).
        Assert.Equal(["caf\u00E9", "caf\uFFFD", "x\uFFFDy"],
            Directory.GetFiles(_sandbox.Directory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal([(plain, BusState.Alive), (cafe, BusState.Alive), (ff, BusState.Alive)], // by bytes: C3 A9 < E9 < FF
            Bus.ListBuses(_sandbox.Directory).Select(s => (s.Path, s.State)));
        using (Bus bus = Bus.Open(cafe)) Assert.Equal(Bus.GetStatus(cafe).Keys, bus.Keys);
        Assert.NotEqual(Bus.GetStatus(cafe).Keys, Bus.GetStatus(plain).Keys);

        MakeStale(ff);
        Assert.Equal([new BusGarbage(BusGarbageKind.StaleKeyFile, ff, 0, -1, true, null)],
            Bus.CollectGarbage([_sandbox.Directory], new BusGarbageOptions()));
        Assert.True(Bus.Remove(cafe).Succeeded);
        Assert.Equal([plain], Bus.ListBuses(_sandbox.Directory).Select(s => s.Path));
    }

    [Fact]
    public void A_stale_bus_is_reported_listed_replaced_by_Create_and_collected()
    {
        string stale = _sandbox.CreateBus("stale");
        string alive = _sandbox.CreateBus("alive");
        File.WriteAllText(_sandbox.PathFor("notes"), "not a bus\n");
        BusKeys oldKeys = Bus.GetStatus(stale).Keys;
        MakeStale(stale);

        BusStatus status = Bus.GetStatus(stale);
        Assert.Equal((BusState.Stale, null, null, null), (status.State, status.SemaphoreArray, status.Segment, status.ListenersJoined));
        Assert.Equal([(alive, BusState.Alive), (stale, BusState.Stale)],
            Bus.ListBuses(_sandbox.Directory).Select(s => (s.Path, s.State)));

        IReadOnlyList<BusGarbage> dry = Bus.CollectGarbage([_sandbox.Directory], new BusGarbageOptions { DryRun = true });
        Assert.Equal([new BusGarbage(BusGarbageKind.StaleKeyFile, stale, 0, -1, false, null)], dry);
        Assert.True(File.Exists(stale));

        Assert.Equal(stale, Bus.Create(stale));
        BusStatus replaced = Bus.GetStatus(stale);
        Assert.Equal(BusState.Alive, replaced.State);
        Assert.NotEqual(oldKeys, replaced.Keys);

        MakeStale(stale);
        IReadOnlyList<BusGarbage> gc = Bus.CollectGarbage([_sandbox.Directory], new BusGarbageOptions());
        Assert.Equal([new BusGarbage(BusGarbageKind.StaleKeyFile, stale, 0, -1, true, null)], gc);
        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(alive));
        Assert.True(File.Exists(_sandbox.PathFor("notes")));
    }

    [Fact]
    public async Task PrivateBus_lives_in_a_temporary_directory_until_disposed()
    {
        var scope = new IpcScope();
        string path, directory;
        using (PrivateBus bus = PrivateBus.Create())
        {
            path = bus.Path;
            scope.AddKeyFile(path);
            directory = Path.GetDirectoryName(path)!;
            Assert.StartsWith(Path.GetTempPath(), path);
            Assert.Matches($@"/run\.{Environment.ProcessId}\.[0-9A-Za-z]{{20}}$", path);
            Assert.Equal(BusState.Alive, Bus.GetStatus(path).State);
            using Bus handle = bus.Open();
            using BusPoller poller = handle.StartPolling(Wait);
            Task broadcast = Task.Run(() => handle.Broadcast("0 job done", Wait));
            Assert.Equal("0 job done", poller.Poll(Wait)!.Text);
            await broadcast.WaitAsync(Wait);
        }
        Assert.False(File.Exists(path));
        Assert.False(Directory.Exists(directory));
        Assert.Equal("", scope.DescribeLeaks());
    }

    [Fact]
    public void PrivateBus_in_a_chosen_directory_removes_only_its_key_file_and_is_not_taken_for_abandoned_while_alive()
    {
        string directory = _sandbox.PathFor("jobs");
        using (PrivateBus bus = PrivateBus.Create(directory))
        {
            Assert.Equal(directory, Path.GetDirectoryName(bus.Path));
            Assert.Equal(1, Bus.GetStatus(bus.Path).Segment!.Attached);
            Assert.Empty(Bus.CollectGarbage([directory], new BusGarbageOptions()));
        }
        Assert.True(Directory.Exists(directory));
        Assert.Empty(Directory.GetFiles(directory));
    }
}
