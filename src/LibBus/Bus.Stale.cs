using static LibBus.Interop.Libc;

namespace LibBus;

public sealed partial class Bus
{
    /// <summary>The caller's effective user id, which owns what it creates.</summary>
    internal static uint CurrentUser => GetEUid();

    /// <summary>
    /// Makes <paramref name="directory"/> with mode 0755 if it is missing, as
    /// <see cref="CreateRandom"/> does for <see cref="DefaultDirectory"/>: that one directory
    /// only, never its parents. The parent is the caller's to provide; for the default it is
    /// <c>$XDG_RUNTIME_DIR</c>, which the login manager makes, owned by the user, mode 0700 (XDG
    /// Base Directory Specification), and which a program must not make in its place.
    /// </summary>
    internal static void CreateDirectory(string directory)
    {
        string trimmed = System.IO.Path.TrimEndingDirectorySeparator(directory);
        if (Directory.Exists(trimmed)) return;
        string? parent = System.IO.Path.GetDirectoryName(trimmed);
        if (!string.IsNullOrEmpty(parent) && !Directory.Exists(parent))
        {
            string why = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") is { Length: > 0 } runtime
                         && System.IO.Path.TrimEndingDirectorySeparator(runtime) == parent
                ? $"XDG_RUNTIME_DIR {parent}: no such directory (the login manager makes it; bus makes only {System.IO.Path.GetFileName(trimmed)} in it)"
                : $"{parent}: no such directory (bus makes only {System.IO.Path.GetFileName(trimmed)} in it, not its parents)";
            throw new BusNotFoundException(why, parent, Interop.Errors.ENOENT);
        }
        try
        {
            Directory.CreateDirectory(trimmed, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }
        catch (UnauthorizedAccessException)
        {
            throw new BusAccessDeniedException($"{directory}: permission denied creating the directory", directory, Interop.Errors.EACCES);
        }
        catch (IOException e)
        {
            throw new BusException($"{directory}: cannot create the directory: {e.Message}", directory);
        }
    }

    /// <summary>
    /// <see cref="Create(string, bool)"/> found a key file it cannot use (<paramref name="refused"/>).
    /// If both its objects are gone (a stale key file, as after a reboot or systemd-logind's
    /// RemoveIPC), or an object it names was not created by the file's owner or root (another
    /// user's, made at the keys after the bus's own were gone: <see cref="BusObjects.DistrustCreator"/>),
    /// and the caller owns the file, makes a new bus and swaps its key file into place atomically
    /// (<see cref="KeyFile.ReplaceWith"/>), so that a service running <c>bus create PATH</c> at
    /// start survives a reboot; another user's objects are left as they are. Only one object gone,
    /// objects of the owner's with modes wider than the file allows, another user's file, or a file
    /// of another IPC namespace (<see cref="IsStale"/>): the error stands.
    /// </summary>
    private static string ReplaceUnusable(string path, BusException refused)
    {
        BusKeys keys;
        using (KeyFile file = KeyFile.Open(path))
        {
            IpcNamespace.Require(path, file.IpcNamespace, "not replaced");
            // Read without read permission if need be (SEM_STAT_ANY, SHM_STAT_ANY): objects another
            // user made at the keys may not be readable by the key file's owner.
            BusObjects objects = BusObjects.Find(path, file.Keys, withoutRead: true);
            bool stale = IsStale(file, objects);
            bool planted = objects.DistrustCreator(file.Uid) is not null;
            if (!stale && !planted)
            {
                if (objects.BothExist && objects.DistrustModes(file.Mode) is null) return path; // made a usable bus meanwhile
                throw refused;
            }
            if (file.Uid != CurrentUser)
                throw stale
                    ? new BusAccessDeniedException(
                        $"{path}: a stale bus key file (its objects are gone) owned by uid {file.Uid}, not by you: not replacing another user's file",
                        path, Interop.Errors.EPERM)
                    : refused;
            keys = CreateObjects(path, out BusRegistry.Pending? record);
            using (record)
            {
                try
                {
                    if (file.ReplaceWith(keys)) return path;
                }
                catch
                {
                    RemoveObjects(keys);
                    throw;
                }
            }
        }
        // Another file was put at the path meanwhile (another 'bus create' won): use that one.
        RemoveObjects(keys);
        Open(path, BusAccess.Listen).Dispose();
        return path;
    }

    /// <summary>
    /// The one place where a key file is judged stale: both objects it names are gone, and it was
    /// made in this IPC namespace or records none (<see cref="IpcNamespace"/>). In another namespace
    /// the keys name nothing here while the bus may be alive there, so a key file of another
    /// namespace is never stale from here (nor replaced or unlinked as such).
    /// </summary>
    internal static bool IsStale(KeyFile file, BusObjects objects)
        => objects.NoneExists && IpcNamespace.IsHere(file.IpcNamespace);

    /// <summary>
    /// Unlinks the key file at <paramref name="path"/> if it is the caller's and stale
    /// (<see cref="IsStale"/>), through one descriptor (<see cref="KeyFile"/>): the name is unlinked only
    /// while it still is the file found stale, so a bus created there meanwhile stays.
    /// </summary>
    /// <returns>What happened to the key file (nothing, with <paramref name="dryRun"/>), or null if it is not a stale key file of the caller's.</returns>
    internal static BusPartRemoval? RemoveIfStale(string path, bool dryRun)
    {
        using KeyFile file = KeyFile.Open(path);
        if (file.Uid != CurrentUser || !IsStale(file, BusObjects.Find(path, file.Keys))) return null;
        return dryRun ? new BusPartRemoval(false, false, null) : file.Unlink();
    }

    /// <summary>True if a process <paramref name="pid"/> exists (of any user).</summary>
    internal static bool ProcessExists(int pid)
        => pid > 0 && (Kill(pid, 0) == 0 || Interop.Errors.LastErrno != Interop.Errors.ESRCH);
}
