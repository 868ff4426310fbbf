using Microsoft.Win32.SafeHandles;

namespace LibBus;

/// <summary>
/// A key file opened once for the verbs that change or remove a bus (chmod, chown,
/// chgrp, remove). The last component of the path is never followed if it is a symlink;
/// the keys are read from the descriptor, the mode and owner are changed through it,
/// and the name is unlinked only while it still is this very file. Another user who can
/// write the directory therefore cannot make these verbs act on any other file.
/// </summary>
internal sealed partial class KeyFile : IDisposable
{
    private readonly SafeFileHandle _directory;
    private readonly string _name;
    private readonly SafeFileHandle _file;
    private readonly Interop.Libc.Statx _status;

    /// <summary>The mode to put back on dispose if nothing changed it: set when this opened a key file its owner could not read (<see cref="OpenAsOwner"/>).</summary>
    private readonly int? _restoreMode;
    private bool _modeChanged;

    private KeyFile(string path, SafeFileHandle directory, string name, SafeFileHandle file, BusKeys keys, ulong? ipcNamespace, Interop.Libc.Statx status, int? restoreMode = null)
    {
        Path = path;
        IpcNamespace = ipcNamespace;
        _directory = directory;
        _name = name;
        _file = file;
        Keys = keys;
        _status = status;
        _restoreMode = restoreMode;
    }

    /// <summary>The path given, for messages.</summary>
    public string Path { get; }

    /// <summary>The keys the file holds.</summary>
    public BusKeys Keys { get; }

    /// <summary>The IPC namespace the file records (<see cref="LibBus.IpcNamespace"/>), or null.</summary>
    public ulong? IpcNamespace { get; }

    /// <summary>The file's owner.</summary>
    public uint Uid => _status.Uid;

    /// <summary>The file's group.</summary>
    public uint Gid => _status.Gid;

    /// <summary>The file's permission bits.</summary>
    public int Mode => _status.Mode & 0x1FF;

    /// <summary>Opens and reads the key file at <paramref name="path"/>, refusing a symlink.</summary>
    /// <exception cref="BusNotFoundException">No such file.</exception>
    /// <exception cref="BusKeyFileCorruptException">A symlink, or not a bus key file.</exception>
    /// <exception cref="BusAccessDeniedException">The caller cannot read it.</exception>
    /// <param name="path">The key file.</param>
    /// <param name="ownerWithoutRead">
    /// For chmod: if the caller owns the file but may not read it (after <c>bus chmod o</c>, say),
    /// it gives itself read permission on that very file to read the keys (see <see cref="OpenAsOwner"/>);
    /// the mode is put back on dispose unless <see cref="ChangeMode"/> set a new one.
    /// </param>
    public static KeyFile Open(string path, bool ownerWithoutRead = false)
    {
        (string directory, string name) = KeyFileFormat.SplitPath(path);
        SafeFileHandle dirFd = KeyFileFormat.OpenDirectory(path, directory);
        SafeFileHandle? fd = null;
        try
        {
            fd = Interop.Libc.OpenAt(dirFd, name,
                Interop.Libc.O_RDONLY | Interop.Libc.O_NOFOLLOW | Interop.Libc.O_NONBLOCK | Interop.Libc.O_CLOEXEC | Interop.Libc.O_NOCTTY, 0);
            if (fd.IsInvalid)
            {
                int errno = Interop.Errors.LastErrno;
                fd.Dispose();
                if (BusErrors.IsSymbolicLink(errno))
                    throw new BusKeyFileCorruptException(
                        $"{path}: not a bus key file: a symbolic link; chmod, chown, chgrp and remove act only on the key file itself, never through a link",
                        path, errno);
                if (ownerWithoutRead && BusErrors.IsDenied(errno) && OpenAsOwner(path, dirFd, name) is { } owned)
                    return owned;
                throw BusErrors.FromKeyFile(errno, path, KeyFileAction.Open);
            }
            BusKeys keys = KeyFileFormat.ReadFrom(path, fd, out Interop.Libc.Statx status, out ulong? ipcNamespace);
            return new KeyFile(path, dirFd, name, fd, keys, ipcNamespace, status);
        }
        catch
        {
            fd?.Dispose();
            dirFd.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The owner of a key file it may not read: opens the name with <c>O_PATH|O_NOFOLLOW</c>
    /// (which needs no permission on the file), checks that it is a regular file owned by the
    /// caller, adds owner read to that very inode (through <c>/proc/self/fd/N</c>, never the
    /// name again), reopens it for reading the same way, and reads the keys. Null, changing
    /// nothing, if the file is not the caller's (the permission error then stands) or /proc is
    /// not there; the mode is put back if the file is not a key file.
    /// </summary>
    private static unsafe KeyFile? OpenAsOwner(string path, SafeFileHandle dirFd, string name)
    {
        using SafeFileHandle pathFd = Interop.Libc.OpenAt(dirFd, name, Interop.Libc.O_PATH | Interop.Libc.O_NOFOLLOW | Interop.Libc.O_CLOEXEC, 0);
        if (pathFd.IsInvalid) return null;
        Interop.Libc.Statx owned;
        const uint mask = Interop.Libc.STATX_TYPE | Interop.Libc.STATX_MODE | Interop.Libc.STATX_UID
                          | Interop.Libc.STATX_GID | Interop.Libc.STATX_INO;
        if (Interop.Libc.StatxCall(pathFd, "", Interop.Libc.AT_EMPTY_PATH, mask, &owned) != 0
            || (owned.Mode & Interop.Libc.S_IFMT) != Interop.Libc.S_IFREG
            || owned.Uid != Interop.Libc.GetEUid())
            return null;
        string self = SafeFile.ProcSelfFd(pathFd);
        int mode = owned.Mode & 0x1FF;
        if (Interop.Libc.FChmodAt(Interop.Libc.AT_FDCWD, self, (uint)(mode | 0x100 /* 0400 */), 0) != 0) return null;
        SafeFileHandle fd = Interop.Libc.Open(self, Interop.Libc.O_RDONLY | Interop.Libc.O_NONBLOCK | Interop.Libc.O_CLOEXEC | Interop.Libc.O_NOCTTY);
        if (fd.IsInvalid)
        {
            fd.Dispose();
            Interop.Libc.FChmodAt(Interop.Libc.AT_FDCWD, self, (uint)mode, 0);
            return null;
        }
        try
        {
            BusKeys keys = KeyFileFormat.ReadFrom(path, fd, out _, out ulong? ipcNamespace);
            return new KeyFile(path, dirFd, name, fd, keys, ipcNamespace, owned, restoreMode: mode);
        }
        catch
        {
            Interop.Libc.FChmod(fd, (uint)mode);
            fd.Dispose();
            throw;
        }
    }

    /// <summary><c>fchmod</c> on the open file; returns 0 or the errno.</summary>
    public int ChangeMode(int mode)
    {
        _modeChanged = true;
        return Interop.Libc.FChmod(_file, (uint)mode) == 0 ? 0 : Interop.Errors.LastErrno;
    }

    /// <summary><c>fchown</c> on the open file; <c>uint.MaxValue</c> leaves that id as it is. Returns 0 or the errno.</summary>
    public int ChangeOwner(uint uid, uint gid)
        => Interop.Libc.FChown(_file, uid, gid) == 0 ? 0 : Interop.Errors.LastErrno;

    /// <summary>
    /// Unlinks the key file's name, but only while the name still is this file: a
    /// remove-and-create by someone else may have put a new bus's key file there, which
    /// must stay (<see cref="SafeFile.UnlinkIfSame"/>).
    /// </summary>
    public BusPartRemoval Unlink() => SafeFile.UnlinkIfSame(_directory, _name, _status);

    public void Dispose()
    {
        if (_file.IsClosed) return;
        if (_restoreMode is { } mode && !_modeChanged) Interop.Libc.FChmod(_file, (uint)mode);
        _file.Dispose();
        _directory.Dispose();
    }
}
