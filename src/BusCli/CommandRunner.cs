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
        : this([Encoding.ASCII.GetBytes("/bin/sh"), Encoding.ASCII.GetBytes("-c"), command], [], withMessage: true)
    {
    }

    /// <summary>
    /// For <see cref="StartProgram"/>: <paramref name="argv"/> as given (argv[0] names the
    /// program), with this process's environment and <paramref name="extraEnvironment"/> entries
    /// (NAME=VALUE, replacing any of the same NAME).
    /// </summary>
    public CommandRunner(byte[][] argv, byte[][] extraEnvironment) : this(argv, extraEnvironment, withMessage: false)
    {
    }

    private CommandRunner(byte[][] argv, byte[][] extraEnvironment, bool withMessage)
    {
        List<byte[]> environment = RawEnvironment();
        foreach (byte[] extra in extraEnvironment)
        {
            int equals = Array.IndexOf(extra, (byte)'=');
            byte[] name = extra[..(equals + 1)];
            environment.RemoveAll(entry => entry.AsSpan().StartsWith(name));
        }
        if (withMessage) environment.RemoveAll(entry => entry.AsSpan().StartsWith(MsgPrefix));
        environment.AddRange(extraEnvironment);

        // argv: "/bin/sh" "-c" COMMAND, or the program's; envp: the environment, then "msg=MESSAGE".
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
        _envp[environment.Count] = withMessage ? _msg : null;
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

    /// <summary>
    /// Starts the program of argv[0] as execvp(3) finds it: a name with a slash as it is, else
    /// the first in $PATH that can be run (an empty entry is the current directory). Returns
    /// 0 and the process id, or the errno: ENOENT if no such program was found, EACCES if one
    /// was found that may not be run, else the first other error.
    /// </summary>
    public int StartProgram(string searchPath, out int pid)
    {
        byte* name = _argv[0];
        ReadOnlySpan<byte> nameBytes = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(name);
        if (nameBytes.Length == 0)
        {
            pid = 0;
            return Interop.Errors.ENOENT;
        }
        if (nameBytes.Contains((byte)'/')) return Spawn(name, out pid);
        bool denied = false;
        foreach (string directory in searchPath.Split(':'))
        {
            byte[] candidate = [.. Encoding.UTF8.GetBytes(directory.Length == 0 ? "." : directory), (byte)'/', .. nameBytes, 0];
            int errno;
            fixed (byte* path = candidate) errno = Spawn(path, out pid);
            if (errno == 0) return 0;
            if (errno == Interop.Errors.EACCES) denied = true;
            else if (errno is not (Interop.Errors.ENOENT or Interop.Errors.ENOTDIR)) return errno;
        }
        pid = 0;
        return denied ? Interop.Errors.EACCES : Interop.Errors.ENOENT;
    }

    private int Spawn(byte* path, out int pid)
    {
        int child;
        int errno = PosixSpawn(&child, path, null, _attributes, _argv, _envp);
        pid = errno == 0 ? child : 0;
        return errno;
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
        if (errno != 0) throw CliErrors.FromErrno(errno, "cannot prepare to run the command");
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
                throw CliErrors.FromErrno(errno, "cannot run the command");
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
            if (!CliErrors.IsInterrupted(errno))
                throw CliErrors.FromErrno(errno, "cannot wait for the command");
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
        Threads.StartBackground("command reaper", Reap);
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
            while (WaitPid(-1, &status, 0) < 0 && CliErrors.IsInterrupted(Marshal.GetLastPInvokeError()))
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
