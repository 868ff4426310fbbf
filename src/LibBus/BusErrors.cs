using System.Diagnostics.CodeAnalysis;

namespace LibBus;

/// <summary>The one place where an errno becomes a typed <see cref="BusException"/>.</summary>
internal static class BusErrors
{
    /// <summary>Maps <paramref name="errno"/> from <paramref name="operation"/> on the bus at <paramref name="path"/>.</summary>
    internal static BusException FromErrno(int errno, string path, string operation) => errno switch
    {
        Interop.Errors.EACCES or Interop.Errors.EPERM => new BusAccessDeniedException(
            $"{path}: permission denied ({operation}); see 'bus chmod' and 'bus chown'", path, errno),
        Interop.Errors.EIDRM or Interop.Errors.EINVAL => Removed(path, errno),
        Interop.Errors.E2BIG => new BusException(
            $"{path}: {operation}: the kernel allows too few operations per semop call (SEMOPM, the third " +
            "number in /proc/sys/kernel/sem, is below 4, the most bus takes in one step)", path, errno),
        _ => new BusException($"{path}: {operation}: {Interop.Errors.Text(errno)}", path, errno),
    };

    /// <summary>The error for a bus whose IPC objects were removed while in use.</summary>
    internal static BusRemovedException Removed(string path, int errno) => new(
        $"{path}: the bus was removed", path, errno);

    /// <summary>The error for a key file whose IPC objects no longer exist.</summary>
    internal static BusRemovedException Gone(string path, string what, int key) => new(
        $"{path}: the bus is gone: its {what} (key {key}) no longer exists, as after 'ipcrm' or " +
        "systemd-logind's RemoveIPC at logout; remove the key file and create the bus again " +
        $"('bus remove {path} && bus create {path}')", path, Interop.Errors.ENOENT);

    /// <summary>Throws the error for <paramref name="errno"/>.</summary>
    [DoesNotReturn]
    internal static void Throw(int errno, string path, string operation) => throw FromErrno(errno, path, operation);
}
