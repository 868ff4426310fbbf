using static LibBus.Interop.Libc;

namespace LibBus;

public sealed partial class Bus
{
    /// <summary>The caller's effective user id, which owns what it creates.</summary>
    internal static uint CurrentUser => GetEUid();

    /// <summary>
    /// Makes missing directories of <paramref name="directory"/> with mode 0755, as
    /// <see cref="CreateRandom"/> does for <see cref="DefaultDirectory"/>.
    /// </summary>
    internal static void CreateDirectory(string directory)
    {
        try
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
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
    /// <see cref="Create(string, bool)"/> found a key file whose objects are missing. If both are
    /// gone (a stale key file, as after a reboot or systemd-logind's RemoveIPC) and the caller
    /// owns the file, makes a new bus and swaps its key file into place atomically
    /// (<see cref="KeyFile.ReplaceWith"/>), so that a service running <c>bus create PATH</c> at
    /// start survives a reboot. Only one object gone, or another user's file: the error stands.
    /// </summary>
    private static string ReplaceStale(string path, BusRemovedException gone)
    {
        BusKeys keys;
        using (KeyFile file = KeyFile.Open(path))
        {
            BusObjects objects = BusObjects.Find(path, file.Keys);
            if (objects.BothExist) return path; // someone made it a live bus meanwhile
            if (!objects.NoneExists) throw gone;
            if (file.Uid != CurrentUser)
                throw new BusAccessDeniedException(
                    $"{path}: a stale bus key file (its objects are gone) owned by uid {file.Uid}, not by you: not replacing another user's file",
                    path, Interop.Errors.EPERM);
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
    /// Unlinks the key file at <paramref name="path"/> if it is the caller's and both its
    /// objects are gone, through one descriptor (<see cref="KeyFile"/>): the name is unlinked only
    /// while it still is the file found stale, so a bus created there meanwhile stays.
    /// </summary>
    /// <returns>What happened to the key file (nothing, with <paramref name="dryRun"/>), or null if it is not a stale key file of the caller's.</returns>
    internal static BusPartRemoval? RemoveIfStale(string path, bool dryRun)
    {
        using KeyFile file = KeyFile.Open(path);
        if (file.Uid != CurrentUser || !BusObjects.Find(path, file.Keys).NoneExists) return null;
        return dryRun ? new BusPartRemoval(false, false, null) : file.Unlink();
    }

    /// <summary>True if a process <paramref name="pid"/> exists (of any user).</summary>
    internal static bool ProcessExists(int pid)
        => pid > 0 && (Kill(pid, 0) == 0 || Interop.Errors.LastErrno != Interop.Errors.ESRCH);
}
