using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using LibBus.Tests.Infrastructure;
using static LibBus.Interop.Libc;

namespace LibBus.Tests;

/// <summary>
/// Checks every constant and struct layout declared in src/Common/Interop against the system
/// headers, by compiling a C program that asserts them. This project compiles every file there
/// (LibBus.Tests.csproj), whichever projects link it, so none goes unchecked.
/// </summary>
public sealed class NativeLayoutTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("libbus-layout-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>
    /// The constants of Interop.Libc and Interop.Errors, by name, as C# declares them for
    /// <paramref name="architecture"/>: those the same everywhere, and those of its own class
    /// (Libc.X64, Libc.Arm64) for the ones that differ.
    /// </summary>
    private static Dictionary<string, long> DeclaredConstants(Architecture architecture)
        => new[] { typeof(Interop.Libc), typeof(Interop.Errors), PerArchitecture(architecture) }
            .SelectMany(Literals)
            .ToDictionary(f => f.Name, f => Convert.ToInt64(f.GetRawConstantValue()));

    private static IEnumerable<FieldInfo> Literals(Type type)
        => type.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic).Where(f => f.IsLiteral && !f.IsInitOnly);

    /// <summary>The class holding the constants that differ, for <paramref name="architecture"/>.</summary>
    private static Type PerArchitecture(Architecture architecture)
        => Interop.Architectures.IsArm64Architecture(architecture) ? typeof(Interop.Libc.Arm64) : typeof(Interop.Libc.X64);

    /// <summary>
    /// Where <see cref="SemidDs"/> reads sem_otime, sem_ctime and sem_nsems with the layout of
    /// <paramref name="architecture"/>: a SemidDs whose every 8-byte word after the ipc_perm
    /// holds its own byte offset, read through the same members the library reads.
    /// </summary>
    private static unsafe (long OTime, long CTime, long NSems) SemidDsOffsets(Architecture architecture)
    {
        SemidDs ds = default;
        long* words = (long*)&ds;
        for (int offset = sizeof(IpcPerm); offset < sizeof(SemidDs); offset += sizeof(long)) words[offset / sizeof(long)] = offset;
        bool arm64 = Interop.Architectures.IsArm64Architecture(architecture);
        return (ds.OTime, ds.CTimeOn(arm64), (long)ds.NSemsOn(arm64));
    }

    /// <summary>C expressions whose value must equal the C# layout, by a name for messages.</summary>
    private static List<(string Name, string CExpression, long CSharp)> Layouts(Architecture architecture) =>
    [
        ("sizeof(struct sembuf)", "sizeof(struct sembuf)", Marshal.SizeOf<SemBuf>()),
        ("Unsafe.SizeOf<SemBuf> = sizeof(struct sembuf)", "sizeof(struct sembuf)", Unsafe.SizeOf<SemBuf>()),
        ("offsetof(struct sembuf, sem_num)", "offsetof(struct sembuf, sem_num)", Offset<SemBuf>(nameof(SemBuf.SemNum))),
        ("offsetof(struct sembuf, sem_op)", "offsetof(struct sembuf, sem_op)", Offset<SemBuf>(nameof(SemBuf.SemOp))),
        ("offsetof(struct sembuf, sem_flg)", "offsetof(struct sembuf, sem_flg)", Offset<SemBuf>(nameof(SemBuf.SemFlg))),
        ("sizeof(sembuf.sem_num)", "sizeof(((struct sembuf *)0)->sem_num)", sizeof(ushort)),
        ("sizeof(sembuf.sem_op)", "sizeof(((struct sembuf *)0)->sem_op)", sizeof(short)),
        ("sizeof(sembuf.sem_flg)", "sizeof(((struct sembuf *)0)->sem_flg)", sizeof(short)),

        ("sizeof(struct timespec)", "sizeof(struct timespec)", Marshal.SizeOf<TimeSpec>()),
        ("Unsafe.SizeOf<TimeSpec> = sizeof(struct timespec)", "sizeof(struct timespec)", Unsafe.SizeOf<TimeSpec>()),
        ("offsetof(struct timespec, tv_sec)", "offsetof(struct timespec, tv_sec)", Offset<TimeSpec>(nameof(TimeSpec.TvSec))),
        ("offsetof(struct timespec, tv_nsec)", "offsetof(struct timespec, tv_nsec)", Offset<TimeSpec>(nameof(TimeSpec.TvNsec))),

        ("sizeof(struct ipc_perm)", "sizeof(struct ipc_perm)", Marshal.SizeOf<IpcPerm>()),
        ("Unsafe.SizeOf<IpcPerm> = sizeof(struct ipc_perm)", "sizeof(struct ipc_perm)", Unsafe.SizeOf<IpcPerm>()),
        ("offsetof(struct ipc_perm, uid)", "offsetof(struct ipc_perm, uid)", Offset<IpcPerm>(nameof(IpcPerm.Uid))),
        ("offsetof(struct ipc_perm, gid)", "offsetof(struct ipc_perm, gid)", Offset<IpcPerm>(nameof(IpcPerm.Gid))),
        ("offsetof(struct ipc_perm, cuid)", "offsetof(struct ipc_perm, cuid)", Offset<IpcPerm>(nameof(IpcPerm.Cuid))),
        ("offsetof(struct ipc_perm, cgid)", "offsetof(struct ipc_perm, cgid)", Offset<IpcPerm>(nameof(IpcPerm.Cgid))),
        ("sizeof(ipc_perm.uid)", "sizeof(((struct ipc_perm *)0)->uid)", sizeof(uint)),
        ("sizeof(ipc_perm.gid)", "sizeof(((struct ipc_perm *)0)->gid)", sizeof(uint)),
        ("offsetof(struct ipc_perm, mode)", "offsetof(struct ipc_perm, mode)", Offset<IpcPerm>(nameof(IpcPerm.Mode))),
        ("offset of the low 16 bits of ipc_perm.mode", "MODE_LOW16_OFFSET", Offset<IpcPerm>(nameof(IpcPerm.Mode))),

        // SemidDs is as large as the largest semid_ds (x86-64's) and reads each field where the
        // process's architecture has it (SemidDsOffsets).
        ("sizeof(struct semid_ds) <= Marshal.SizeOf<SemidDs>", $"sizeof(struct semid_ds) <= {Marshal.SizeOf<SemidDs>()}", 1),
        ("sizeof(struct semid_ds) <= Unsafe.SizeOf<SemidDs>", $"sizeof(struct semid_ds) <= {Unsafe.SizeOf<SemidDs>()}", 1),
        ("offsetof(struct semid_ds, sem_perm)", "offsetof(struct semid_ds, sem_perm)", Offset<SemidDs>(nameof(SemidDs.Perm))),
        ("offsetof(struct semid_ds, sem_otime)", "offsetof(struct semid_ds, sem_otime)", SemidDsOffsets(architecture).OTime),
        ("offsetof(struct semid_ds, sem_ctime) (SemidDs.CTime)", "offsetof(struct semid_ds, sem_ctime)", SemidDsOffsets(architecture).CTime),
        ("offsetof(struct semid_ds, sem_nsems) (SemidDs.NSems)", "offsetof(struct semid_ds, sem_nsems)", SemidDsOffsets(architecture).NSems),
        ("sizeof(semid_ds.sem_nsems)", "sizeof(((struct semid_ds *)0)->sem_nsems)", Marshal.SizeOf<nuint>()),

        ("sizeof(struct shmid_ds)", "sizeof(struct shmid_ds)", Marshal.SizeOf<ShmidDs>()),
        ("Unsafe.SizeOf<ShmidDs> = sizeof(struct shmid_ds)", "sizeof(struct shmid_ds)", Unsafe.SizeOf<ShmidDs>()),
        ("offsetof(struct shmid_ds, shm_perm)", "offsetof(struct shmid_ds, shm_perm)", Offset<ShmidDs>(nameof(ShmidDs.Perm))),
        ("offsetof(struct shmid_ds, shm_segsz)", "offsetof(struct shmid_ds, shm_segsz)", Offset<ShmidDs>(nameof(ShmidDs.SegSz))),
        ("sizeof(shmid_ds.shm_segsz)", "sizeof(((struct shmid_ds *)0)->shm_segsz)", Marshal.SizeOf<nuint>()),
        ("offsetof(struct shmid_ds, shm_atime)", "offsetof(struct shmid_ds, shm_atime)", Offset<ShmidDs>(nameof(ShmidDs.ATime))),
        ("offsetof(struct shmid_ds, shm_dtime)", "offsetof(struct shmid_ds, shm_dtime)", Offset<ShmidDs>(nameof(ShmidDs.DTime))),
        ("offsetof(struct shmid_ds, shm_ctime)", "offsetof(struct shmid_ds, shm_ctime)", Offset<ShmidDs>(nameof(ShmidDs.CTime))),
        ("sizeof(shmid_ds.shm_ctime)", "sizeof(((struct shmid_ds *)0)->shm_ctime)", sizeof(long)),
        ("offsetof(struct shmid_ds, shm_cpid)", "offsetof(struct shmid_ds, shm_cpid)", Offset<ShmidDs>(nameof(ShmidDs.CPid))),
        ("offsetof(struct shmid_ds, shm_lpid)", "offsetof(struct shmid_ds, shm_lpid)", Offset<ShmidDs>(nameof(ShmidDs.LPid))),
        ("sizeof(shmid_ds.shm_cpid)", "sizeof(((struct shmid_ds *)0)->shm_cpid)", sizeof(int)),
        ("offsetof(struct shmid_ds, shm_nattch)", "offsetof(struct shmid_ds, shm_nattch)", Offset<ShmidDs>(nameof(ShmidDs.NAttch))),
        ("sizeof(shmid_ds.shm_nattch)", "sizeof(((struct shmid_ds *)0)->shm_nattch)", Marshal.SizeOf<nuint>()),
        ("sizeof(struct seminfo)", "sizeof(struct seminfo)", Marshal.SizeOf<SemInfo>()),
        ("sizeof(struct shm_info)", "sizeof(struct shm_info)", Marshal.SizeOf<ShmInfo>()),
        ("sizeof(semid_ds.sem_otime)", "sizeof(((struct semid_ds *)0)->sem_otime)", sizeof(long)),

        ("sizeof(struct statx)", "sizeof(struct statx)", Marshal.SizeOf<Statx>()),
        ("offsetof(struct statx, stx_mode)", "offsetof(struct statx, stx_mode)", Offset<Statx>(nameof(Statx.Mode))),
        ("sizeof(statx.stx_mode)", "sizeof(((struct statx *)0)->stx_mode)", sizeof(ushort)),
        ("offsetof(struct statx, stx_uid)", "offsetof(struct statx, stx_uid)", Offset<Statx>(nameof(Statx.Uid))),
        ("offsetof(struct statx, stx_gid)", "offsetof(struct statx, stx_gid)", Offset<Statx>(nameof(Statx.Gid))),
        ("offsetof(struct statx, stx_ino)", "offsetof(struct statx, stx_ino)", Offset<Statx>(nameof(Statx.Ino))),
        ("offsetof(struct statx, stx_dev_major)", "offsetof(struct statx, stx_dev_major)", Offset<Statx>(nameof(Statx.DevMajor))),
        ("offsetof(struct statx, stx_dev_minor)", "offsetof(struct statx, stx_dev_minor)", Offset<Statx>(nameof(Statx.DevMinor))),
        ("sizeof(struct statx_timestamp)", "sizeof(struct statx_timestamp)", Marshal.SizeOf<StatxTimestamp>()),

        ("sizeof(struct passwd)", "sizeof(struct passwd)", Marshal.SizeOf<Passwd>()),
        ("offsetof(struct passwd, pw_uid)", "offsetof(struct passwd, pw_uid)", Offset<Passwd>(nameof(Passwd.Uid))),
        ("offsetof(struct passwd, pw_gid)", "offsetof(struct passwd, pw_gid)", Offset<Passwd>(nameof(Passwd.Gid))),
        ("offsetof(struct passwd, pw_shell)", "offsetof(struct passwd, pw_shell)", Offset<Passwd>(nameof(Passwd.Shell))),
        ("sizeof(struct group)", "sizeof(struct group)", Marshal.SizeOf<Group>()),
        ("offsetof(struct group, gr_gid)", "offsetof(struct group, gr_gid)", Offset<Group>(nameof(Group.Gid))),
        ("offsetof(struct group, gr_mem)", "offsetof(struct group, gr_mem)", Offset<Group>(nameof(Group.Members))),

        ("sizeof(posix_spawnattr_t)", "sizeof(posix_spawnattr_t)", Marshal.SizeOf<PosixSpawnAttr>()),
        ("Unsafe.SizeOf<PosixSpawnAttr> = sizeof(posix_spawnattr_t)", "sizeof(posix_spawnattr_t)", Unsafe.SizeOf<PosixSpawnAttr>()),
        ("sizeof(sigset_t)", "sizeof(sigset_t)", Marshal.SizeOf<SigSet>()),
        ("sizeof(struct sigaction)", "sizeof(struct sigaction)", Marshal.SizeOf<SigAction>()),
        ("Unsafe.SizeOf<SigAction> = sizeof(struct sigaction)", "sizeof(struct sigaction)", Unsafe.SizeOf<SigAction>()),
        ("Unsafe.SizeOf<SigSet> = sizeof(sigset_t)", "sizeof(sigset_t)", Unsafe.SizeOf<SigSet>()),

        ("sizeof(struct pollfd)", "sizeof(struct pollfd)", Marshal.SizeOf<PollFd>()),
        ("Unsafe.SizeOf<PollFd> = sizeof(struct pollfd)", "sizeof(struct pollfd)", Unsafe.SizeOf<PollFd>()),
        ("offsetof(struct pollfd, fd)", "offsetof(struct pollfd, fd)", Offset<PollFd>(nameof(PollFd.Fd))),
        ("offsetof(struct pollfd, events)", "offsetof(struct pollfd, events)", Offset<PollFd>(nameof(PollFd.Events))),
        ("offsetof(struct pollfd, revents)", "offsetof(struct pollfd, revents)", Offset<PollFd>(nameof(PollFd.REvents))),
        ("sizeof(pollfd.revents)", "sizeof(((struct pollfd *)0)->revents)", sizeof(short)),

        ("offsetof(struct dirent64, d_ino)", "offsetof(struct dirent64, d_ino)", Offset<Dirent64>(nameof(Dirent64.Ino))),
        ("offsetof(struct dirent64, d_off)", "offsetof(struct dirent64, d_off)", Offset<Dirent64>(nameof(Dirent64.Off))),
        ("offsetof(struct dirent64, d_reclen)", "offsetof(struct dirent64, d_reclen)", Offset<Dirent64>(nameof(Dirent64.RecLen))),
        ("offsetof(struct dirent64, d_type)", "offsetof(struct dirent64, d_type)", Offset<Dirent64>(nameof(Dirent64.Type))),
        ("offsetof(struct dirent64, d_name) (right after d_type)", "offsetof(struct dirent64, d_name)", Offset<Dirent64>(nameof(Dirent64.Type)) + 1),
        ("sizeof(dirent64.d_reclen)", "sizeof(((struct dirent64 *)0)->d_reclen)", sizeof(ushort)),

        ("sizeof(key_t)", "sizeof(key_t)", sizeof(int)),
        ("sizeof(size_t) (shmget size, semop nsops)", "sizeof(size_t)", Marshal.SizeOf<nuint>()),
        ("sizeof(void *) (shmat result)", "sizeof(void *)", Marshal.SizeOf<nint>()),
    ];

    private static long Offset<T>(string field) => Marshal.OffsetOf<T>(field).ToInt64();

    [Fact]
    public void The_constants_that_differ_by_architecture_are_declared_for_each_and_chosen_for_this_process()
    {
        FieldInfo[] chosen = typeof(Interop.Libc).GetFields(BindingFlags.Static | BindingFlags.NonPublic)
            .Where(f => f.IsInitOnly && f.FieldType == typeof(int)).ToArray();
        Assert.NotEmpty(chosen);
        string[] names = [.. chosen.Select(f => f.Name).Order()];
        Assert.Equal(names, Literals(typeof(Interop.Libc.X64)).Select(f => f.Name).Order());
        Assert.Equal(names, Literals(typeof(Interop.Libc.Arm64)).Select(f => f.Name).Order());
        Dictionary<string, long> own = DeclaredConstants(RuntimeInformation.ProcessArchitecture);
        Assert.All(chosen, f => Assert.Equal(own[f.Name], Convert.ToInt64(f.GetValue(null))));
    }

    [Theory]
    [InlineData(Architecture.X86)]
    [InlineData(Architecture.Arm)]
    [InlineData(Architecture.RiscV64)]
    [InlineData(Architecture.S390x)]
    public void An_architecture_whose_constants_are_not_known_is_refused_never_guessed(Architecture architecture)
    {
        var e = Assert.Throws<PlatformNotSupportedException>(() => Interop.Architectures.IsArm64Architecture(architecture));
        Assert.Contains(architecture.ToString(), e.Message, StringComparison.Ordinal);
        Assert.False(Interop.Architectures.IsSupported(architecture));
    }

    [Fact]
    public void The_constants_of_the_interop_layer_cover_everything_LibBus_the_command_the_tests_and_the_bench_call_with()
    {
        string[] expected =
        [
            "IPC_CREAT", "IPC_EXCL", "IPC_NOWAIT", "IPC_PRIVATE", "IPC_RMID", "IPC_SET", "IPC_STAT",
            "SEM_UNDO", "GETVAL", "GETALL", "GETNCNT", "GETPID", "GETZCNT", "SETVAL", "SETALL", "SHM_RDONLY",
            "POLLERR", "POLLHUP", "POLLNVAL",
            "SIGHUP", "SIGINT", "SIGTERM", "SIGKILL", "SIGCONT", "SIGSTOP", "SIGTSTP",
            "EPERM", "ENOENT", "EINTR", "EAGAIN", "EACCES", "EEXIST", "EINVAL", "ENOSPC", "EIDRM",
        ];
        Assert.Subset(DeclaredConstants(RuntimeInformation.ProcessArchitecture).Keys.ToHashSet(), expected.ToHashSet());
    }

    /// <summary>The architectures LibBus is published for (install.sh and test.sh build linux-x64 and linux-arm64).</summary>
    public static TheoryData<Architecture> PublishedArchitectures => [Architecture.X64, Architecture.Arm64];

    /// <summary>
    /// The C compiler whose headers are those of <paramref name="architecture"/>: the system's
    /// own <c>cc</c> for the machine's architecture, else the Debian cross compiler (its
    /// package brings that architecture's glibc headers: libc6-dev-arm64-cross, libc6-dev-amd64-cross).
    /// </summary>
    private static (string Compiler, string Package) CompilerFor(Architecture architecture)
        => architecture == RuntimeInformation.OSArchitecture ? ("cc", "gcc libc6-dev")
            : architecture switch
            {
                Architecture.X64 => ("x86_64-linux-gnu-gcc", "gcc-x86-64-linux-gnu"),
                Architecture.Arm64 => ("aarch64-linux-gnu-gcc", "gcc-aarch64-linux-gnu"),
                _ => throw new ArgumentOutOfRangeException(nameof(architecture)),
            };

    /// <summary>
    /// Every constant and layout, as C# declares it for <paramref name="architecture"/>, is
    /// asserted in a C file (<c>_Static_assert</c>, <c>#error</c> for a name the headers do not
    /// define) compiled, not run, against that architecture's glibc headers: one compile
    /// reports every mismatch, and an architecture other than the machine's is checked the
    /// same way with a cross compiler.
    /// </summary>
    [Theory]
    [MemberData(nameof(PublishedArchitectures))]
    public void Every_interop_constant_and_struct_layout_matches_the_system_headers_of(Architecture architecture)
    {
        Dictionary<string, long> constants = DeclaredConstants(architecture);
        List<(string Name, string CExpression, long CSharp)> layouts = Layouts(architecture);

        var c = new StringBuilder();
        c.AppendLine("""
            #define _GNU_SOURCE
            #include <errno.h>
            #include <stddef.h>
            #include <stdio.h>
            #include <string.h>
            #include <time.h>
            #include <sys/types.h>
            #include <sys/ipc.h>
            #include <sys/sem.h>
            #include <sys/shm.h>
            #include <fcntl.h>
            #include <unistd.h>
            #include <sys/stat.h>
            #include <sys/file.h>
            #include <dirent.h>
            #include <sys/wait.h>
            #include <signal.h>
            #include <spawn.h>
            #include <pwd.h>
            #include <grp.h>
            #include <poll.h>

            /* Where the low 16 bits (the permission bits) of ipc_perm.mode are: glibc declares
               mode as a 2-byte field on x86-64 and a 4-byte mode_t on arm64, where C# reads a
               ushort and keeps the other two bytes as padding. */
            #define MODE_LOW16_OFFSET (offsetof(struct ipc_perm, mode) \
                + (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ? sizeof(((struct ipc_perm *)0)->mode) - 2 : 0))
            """);
        foreach ((string name, long value) in constants)
        {
            c.AppendLine($"#ifndef {name}");
            c.AppendLine($"#error \"{name}: declared in Interop as {value} but not defined by the system headers\"");
            c.AppendLine("#else");
            c.AppendLine($"_Static_assert((long long)({name}) == {value}LL, \"{name}: C# declares {value} (0x{value:x}), the system headers differ\");");
            c.AppendLine("#endif");
        }
        foreach ((string name, string expression, long csharp) in layouts)
            c.AppendLine($"_Static_assert((long long)({expression}) == {csharp}LL, \"{name}: C# layout gives {csharp}, the system headers differ\");");

        string source = Path.Combine(_directory, "layout.c");
        File.WriteAllText(source, c.ToString());
        (string compiler, string package) = CompilerFor(architecture);
        string? found = Environment.GetEnvironmentVariable("PATH")?.Split(':')
            .Select(d => Path.Combine(d, compiler)).FirstOrDefault(File.Exists);
        Assert.True(found is not null,
            $"{compiler} is not installed: the headers of {architecture} cannot be checked (apt-get install {package}; test.sh and .ci/run install it)");

        // On a mismatch the compiler exits 1 and Tools.Run shows its errors, one a line.
        Tools.Run(found, ["-std=gnu11", "-Wall", "-Wextra", "-Werror", "-fsyntax-only", source]);
    }
}
