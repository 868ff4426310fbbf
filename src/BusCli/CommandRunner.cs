using System.Runtime.InteropServices;
using System.Text;
using LibBus;
using static LibBus.Interop.Libc;

namespace BusCli;

/// <summary>
/// Runs <c>/bin/sh -c COMMAND</c> with <c>$msg</c> set to a message's exact bytes, and the
/// command and this process's environment passed byte for byte too (the runtime's
/// <c>Process</c> takes only text, which would turn bytes that are not UTF-8 into U+FFFD).
/// Everything the child gets is laid out once in native memory; each start only copies the
/// message into it, so a busy listener allocates nothing per command. The child starts with
/// no blocked signal and SIGPIPE at its default action (the runtime ignores SIGPIPE, and an
/// ignored signal stays ignored across exec), as a shell would start it.
/// </summary>
internal sealed unsafe class CommandRunner : IDisposable
{
    private static ReadOnlySpan<byte> MsgPrefix => "msg="u8;
    private static ReadOnlySpan<byte> Shell => "/bin/sh\0"u8;

    private readonly byte** _argv;
    private readonly byte** _envp;
    private readonly byte* _msg;
    private readonly byte* _strings;
    private readonly PosixSpawnAttr* _attributes;

    public CommandRunner(byte[] command)
    {
        List<byte[]> environment = RawEnvironment();
        environment.RemoveAll(entry => entry.AsSpan().StartsWith(MsgPrefix));

        // argv: "/bin/sh" "-c" COMMAND; envp: the environment, then "msg=MESSAGE".
        byte[][] argv = [Encoding.ASCII.GetBytes("/bin/sh"), Encoding.ASCII.GetBytes("-c"), command];
        nuint size = 0;
        foreach (byte[] s in argv.Concat(environment)) size += (nuint)s.Length + 1;
        _strings = (byte*)NativeMemory.Alloc(size);
        _argv = (byte**)NativeMemory.Alloc((nuint)(argv.Length + 1), (nuint)sizeof(byte*));
        _envp = (byte**)NativeMemory.Alloc((nuint)(environment.Count + 2), (nuint)sizeof(byte*));
        _msg = (byte*)NativeMemory.Alloc((nuint)(MsgPrefix.Length + BusMessage.MaxLength + 1));
        byte* next = _strings;
        for (int i = 0; i < argv.Length; i++) _argv[i] = Put(ref next, argv[i]);
        _argv[argv.Length] = null;
        for (int i = 0; i < environment.Count; i++) _envp[i] = Put(ref next, environment[i]);
        _envp[environment.Count] = _msg;
        _envp[environment.Count + 1] = null;
        MsgPrefix.CopyTo(new Span<byte>(_msg, MsgPrefix.Length));

        _attributes = (PosixSpawnAttr*)NativeMemory.Alloc((nuint)sizeof(PosixSpawnAttr));
        Check(PosixSpawnAttrInit(_attributes));
        SigSet none, pipe;
        SigEmptySet(&none);
        SigEmptySet(&pipe);
        SigAddSet(&pipe, SIGPIPE);
        Check(PosixSpawnAttrSetFlags(_attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF));
        Check(PosixSpawnAttrSetSigMask(_attributes, &none));
        Check(PosixSpawnAttrSetSigDefault(_attributes, &pipe));
    }

    private static byte* Put(ref byte* next, byte[] value)
    {
        byte* start = next;
        value.CopyTo(new Span<byte>(start, value.Length));
        start[value.Length] = 0;
        next += value.Length + 1;
        return start;
    }

    private static void Check(int errno)
    {
        if (errno != 0) throw new BusException($"cannot prepare to run the command: {Marshal.GetPInvokeErrorMessage(errno)}", null, errno);
    }

    /// <summary>Starts the command for <paramref name="message"/>; its process id, or throws (the message says why).</summary>
    public int Start(ReadOnlySpan<byte> message)
    {
        message.CopyTo(new Span<byte>(_msg + MsgPrefix.Length, BusMessage.MaxLength));
        _msg[MsgPrefix.Length + message.Length] = 0;
        int pid;
        fixed (byte* shell = Shell)
        {
            int errno = PosixSpawn(&pid, shell, null, _attributes, _argv, _envp);
            if (errno != 0)
                throw new BusException($"cannot run the command: {Marshal.GetPInvokeErrorMessage(errno)}", null, errno);
        }
        return pid;
    }

    /// <summary>Waits for <paramref name="pid"/> to end; its status as a shell's <c>$?</c>.</summary>
    public static int WaitFor(int pid)
    {
        int status;
        while (WaitPid(pid, &status, 0) < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno != Interop.Errors.EINTR)
                throw new BusException($"cannot wait for the command: {Marshal.GetPInvokeErrorMessage(errno)}", null, errno);
        }
        return ExitStatus(status);
    }

    /// <summary>
    /// This process's environment as bytes: <c>/proc/self/environ</c> (what it was started
    /// with; the command never changes its own), or, without /proc, the runtime's decoded copy.
    /// </summary>
    private static List<byte[]> RawEnvironment()
    {
        var entries = new List<byte[]>();
        try
        {
            byte[] block = File.ReadAllBytes("/proc/self/environ");
            foreach (Range range in block.AsSpan().TrimEnd((byte)0).Split((byte)0))
                if (range.GetOffsetAndLength(block.Length).Length > 0) entries.Add(block[range]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            foreach (System.Collections.DictionaryEntry entry in Environment.GetEnvironmentVariables())
                entries.Add(Encoding.UTF8.GetBytes($"{entry.Key}={entry.Value}"));
        }
        return entries;
    }

    public void Dispose()
    {
        PosixSpawnAttrDestroy(_attributes);
        NativeMemory.Free(_attributes);
        NativeMemory.Free(_msg);
        NativeMemory.Free(_envp);
        NativeMemory.Free(_argv);
        NativeMemory.Free(_strings);
    }
}

/// <summary>
/// Reaps the commands <c>listen</c> starts without waiting for them, so none is left a zombie,
/// and counts those still running, for <c>--jobs</c>. Its thread starts with the listener, so
/// that reaping needs no new thread later (a process at its limit of processes could not make one).
/// </summary>
internal sealed unsafe class ChildReaper
{
    private readonly SemaphoreSlim _started = new(0);
    private readonly object _lock = new();
    private int _running;

    public ChildReaper()
    {
        var thread = new Thread(Reap) { IsBackground = true, Name = "command reaper" };
        thread.Start();
    }

    /// <summary>Call once per command started.</summary>
    public void Started()
    {
        lock (_lock) _running++;
        _started.Release();
    }

    /// <summary>Blocks until fewer than <paramref name="limit"/> commands run (at once if they already do).</summary>
    public void WaitForFewerThan(int limit)
    {
        lock (_lock)
            while (_running >= limit) Monitor.Wait(_lock);
    }

    private void Reap()
    {
        while (true)
        {
            _started.Wait();
            int status;
            while (WaitPid(-1, &status, 0) < 0 && Marshal.GetLastPInvokeError() == Interop.Errors.EINTR)
            {
            }
            lock (_lock)
            {
                _running--;
                Monitor.PulseAll(_lock);
            }
        }
    }
}
