using System.Diagnostics.CodeAnalysis;

namespace LibBus;

/// <summary>What a key file call was doing when it failed (the words of its error).</summary>
internal enum KeyFileAction
{
    /// <summary>Opening an existing key file.</summary>
    Open,
    /// <summary>Reading an open key file.</summary>
    Read,
    /// <summary>Creating a new key file.</summary>
    Create,
}

/// <summary>
/// The one place where an errno becomes a typed <see cref="BusException"/>. Each method is for
/// one kind of call, because what an errno means depends on what was called: EINVAL from a
/// <c>semop</c> on an open bus means the bus was removed, from a <c>semget</c> by key that the
/// key names an object of another shape; ENOENT from a lookup by key means the bus is gone,
/// from opening the key file that there is no such bus. EACCES and EPERM always mean
/// <see cref="BusAccessDeniedException"/>.
/// </summary>
internal static class BusErrors
{
    /// <summary>
    /// Whether a call that failed with <paramref name="errno"/> applied nothing and should be
    /// made again as it was: EINTR, a signal arrived first (PROTOCOL.md: retry the same call).
    /// </summary>
    internal static bool IsInterrupted(int errno) => errno == Interop.Errors.EINTR;

    /// <summary>
    /// Whether <paramref name="errno"/> from a call on an IPC object by its identifier means the
    /// object no longer exists (EIDRM: removed while waiting; EINVAL: already gone).
    /// </summary>
    internal static bool IsRemoved(int errno) => errno is Interop.Errors.EIDRM or Interop.Errors.EINVAL;

    /// <summary>Whether <paramref name="errno"/> from a lookup by key means no object has that key (any more).</summary>
    internal static bool IsMissing(int errno) => errno is Interop.Errors.ENOENT or Interop.Errors.EIDRM;

    /// <summary>Whether <paramref name="errno"/> means permission denied (EACCES, EPERM).</summary>
    internal static bool IsDenied(int errno) => errno is Interop.Errors.EACCES or Interop.Errors.EPERM;

    /// <summary>Whether <paramref name="errno"/> from a lookup by key (<c>semget</c>, <c>shmget</c> without IPC_CREAT) means no object has the key.</summary>
    internal static bool IsNoSuchKey(int errno) => errno == Interop.Errors.ENOENT;

    /// <summary>Whether <paramref name="errno"/> from a call with a no-wait flag (<c>LOCK_NB</c>, <c>IPC_NOWAIT</c>) means it would have had to wait (EAGAIN, which is EWOULDBLOCK).</summary>
    internal static bool IsWouldBlock(int errno) => errno == Interop.Errors.EAGAIN;

    /// <summary>Whether <paramref name="errno"/> from an exclusive create (<c>O_EXCL</c>, <c>IPC_EXCL</c>, <c>link</c>) means the name or key is taken.</summary>
    internal static bool IsTaken(int errno) => errno == Interop.Errors.EEXIST;

    /// <summary>Whether <paramref name="errno"/> from a call on a name means nothing has that name (any more).</summary>
    internal static bool IsNoSuchFile(int errno) => errno == Interop.Errors.ENOENT;

    /// <summary>Whether <paramref name="errno"/> from opening a path means a directory in it is missing (ENOENT, ENOTDIR).</summary>
    internal static bool IsNoSuchDirectory(int errno) => errno is Interop.Errors.ENOENT or Interop.Errors.ENOTDIR;

    /// <summary>Whether <paramref name="errno"/> from an <c>O_NOFOLLOW</c> open means the name is a symbolic link (ELOOP).</summary>
    internal static bool IsSymbolicLink(int errno) => errno == Interop.Errors.ELOOP;

    /// <summary>
    /// Whether <paramref name="errno"/> from <c>renameat2</c> with RENAME_NOREPLACE or
    /// RENAME_EXCHANGE means the kernel or file system cannot do that kind of rename (EINVAL, ENOSYS).
    /// </summary>
    internal static bool IsRenameUnsupported(int errno) => errno is Interop.Errors.EINVAL or Interop.Errors.ENOSYS;

    /// <summary>Whether <paramref name="errno"/> from <c>open(O_TMPFILE)</c> means the file system or kernel has no unnamed files (EOPNOTSUPP, EISDIR, EINVAL).</summary>
    internal static bool IsTmpFileUnsupported(int errno) => errno is Interop.Errors.EOPNOTSUPP or Interop.Errors.EISDIR or Interop.Errors.EINVAL;

    /// <summary>Whether <paramref name="errno"/> from <c>kill(pid, 0)</c> means no such process (ESRCH); any other answer means it exists.</summary>
    internal static bool IsNoSuchProcess(int errno) => errno == Interop.Errors.ESRCH;

    /// <summary>Whether <paramref name="errno"/> from a <c>get*_r</c> look-up means its buffer is too small (ERANGE).</summary>
    internal static bool IsBufferTooSmall(int errno) => errno == Interop.Errors.ERANGE;

    /// <summary>
    /// Whether <paramref name="error"/> from a <c>get*_r</c> look-up means "not found": 0 with a null
    /// result, or an errno some NSS modules give for it (ENOENT, ESRCH, EBADF, EPERM; getpwnam_r(3)).
    /// </summary>
    internal static bool IsNotInUserDatabase(int error)
        => error is 0 or Interop.Errors.ENOENT or Interop.Errors.ESRCH or Interop.Errors.EBADF or Interop.Errors.EPERM;

    /// <summary>Maps <paramref name="error"/> from looking <paramref name="what"/> up in the user or group database.</summary>
    internal static BusException FromUserDatabase(int error, string what)
        => new($"{what}: cannot look it up in the user or group database: {Interop.Errors.Text(error)}", null, error);

    /// <summary>Maps <paramref name="errno"/> from opening or reading the directory <paramref name="directory"/> (listing buses).</summary>
    internal static BusException FromDirectory(int errno, string directory) => errno switch
    {
        Interop.Errors.ENOENT => new BusNotFoundException($"{directory}: no such directory", directory, errno),
        _ when IsDenied(errno) => new BusAccessDeniedException($"{directory}: permission denied reading the directory", directory, errno),
        _ => new BusException($"{directory}: cannot read the directory: {Interop.Errors.Text(errno)}", directory, errno),
    };

    /// <summary>
    /// Maps <paramref name="errno"/> from <paramref name="operation"/> on the IPC objects of an
    /// open bus at <paramref name="path"/> (<c>semop</c>, <c>semctl</c>, <c>shmctl</c> by id).
    /// </summary>
    internal static BusException FromErrno(int errno, string path, string operation)
    {
        if (IsDenied(errno))
            return new BusAccessDeniedException($"{path}: permission denied ({operation}); see 'bus chmod' and 'bus chown'", path, errno);
        if (IsRemoved(errno)) return Removed(path, errno);
        if (errno == Interop.Errors.E2BIG)
            return new BusException(
                $"{path}: {operation}: the kernel allows too few operations per semop call (SEMOPM, the third " +
                "number in /proc/sys/kernel/sem, is below 4, the most bus takes in one step)", path, errno);
        return new BusException($"{path}: {operation}: {Interop.Errors.Text(errno)}", path, errno);
    }

    /// <summary>
    /// Maps <paramref name="errno"/> from looking up (or attaching) the <paramref name="what"/>
    /// of the bus at <paramref name="path"/> by its <paramref name="key"/>.
    /// </summary>
    internal static BusException FromLookup(int errno, string path, string what, int key)
    {
        if (IsMissing(errno)) return Gone(path, what, key);
        if (errno == Interop.Errors.EINVAL)
            return new BusObjectMismatchException($"{path}: not a usable bus: key {key} names a {what} of another shape (not made by bus)", path, errno);
        if (IsDenied(errno))
            return new BusAccessDeniedException($"{path}: permission denied on the bus's {what} (key {key}); see 'bus chmod' and 'bus chown'", path, errno);
        return new BusException($"{path}: cannot open the {what} (key {key}): {Interop.Errors.Text(errno)}", path, errno);
    }

    /// <summary>Maps <paramref name="errno"/> from creating or initializing the <paramref name="what"/> of a new bus.</summary>
    internal static BusException FromCreation(int errno, string path, string what)
    {
        if (IsDenied(errno))
            return new BusAccessDeniedException($"{path}: permission denied creating the {what}", path, errno);
        string hint = errno == Interop.Errors.ENOSPC ? " (the system limit is reached; see 'ipcs -l')" : "";
        return new BusException($"{path}: cannot create the {what}: {Interop.Errors.Text(errno)}{hint}", path, errno);
    }

    /// <summary>Maps <paramref name="errno"/> from opening, reading or creating the key file at <paramref name="path"/>.</summary>
    internal static BusException FromKeyFile(int errno, string path, KeyFileAction action) => (action, errno) switch
    {
        (KeyFileAction.Open, Interop.Errors.ENOENT) => new BusNotFoundException($"{path}: no such bus (the key file does not exist)", path, errno),
        (KeyFileAction.Open, Interop.Errors.ENOTDIR) => new BusNotFoundException($"{path}: no such bus (a parent is not a directory)", path, errno),
        (KeyFileAction.Create, Interop.Errors.ENOENT or Interop.Errors.ENOTDIR) => new BusNotFoundException(
            $"{path}: cannot create the key file: the directory does not exist", path, errno),
        (KeyFileAction.Open or KeyFileAction.Read, _) when IsDenied(errno) => new BusAccessDeniedException($"{path}: permission denied reading the key file", path, errno),
        (KeyFileAction.Create, _) when IsDenied(errno) => new BusAccessDeniedException($"{path}: permission denied creating the key file", path, errno),
        (KeyFileAction.Open, _) => new BusException($"{path}: cannot open the key file: {Interop.Errors.Text(errno)}", path, errno),
        (KeyFileAction.Read, _) => new BusException($"{path}: cannot read: {Interop.Errors.Text(errno)}", path, errno),
        _ => new BusException($"{path}: cannot create the key file: {Interop.Errors.Text(errno)}", path, errno),
    };

    /// <summary>Maps <paramref name="errno"/> from any other call about <paramref name="path"/> (<paramref name="what"/> says what was being done).</summary>
    internal static BusException FromCall(int errno, string path, string what) => IsDenied(errno)
        ? new BusAccessDeniedException($"{path}: {what}: {Interop.Errors.Text(errno)}", path, errno)
        : new BusException($"{path}: {what}: {Interop.Errors.Text(errno)}", path, errno);

    /// <summary>The error for a bus whose IPC objects were removed while in use.</summary>
    internal static BusRemovedException Removed(string path, int errno) => new(
        $"{path}: the bus was removed", path, errno);

    /// <summary>The error for a key file whose IPC objects no longer exist.</summary>
    internal static BusRemovedException Gone(string path, string what, int key) => new(
        $"{path}: the bus is gone: its {what} (key {key}) no longer exists, as after 'ipcrm' or " +
        "systemd-logind's RemoveIPC at logout; remove the key file and create the bus again " +
        $"('bus remove {path} && bus create {path}')", path, Interop.Errors.ENOENT);

    /// <summary>Throws the error for <paramref name="errno"/> from a call on an open bus.</summary>
    [DoesNotReturn]
    internal static void Throw(int errno, string path, string operation) => throw FromErrno(errno, path, operation);
}
