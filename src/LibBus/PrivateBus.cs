using System.Globalization;

namespace LibBus;

/// <summary>
/// A bus that lives as long as this object: for one job, one test, one program run
/// (<c>bus run</c> is built on it). <see cref="Create()"/> makes it in a new private temporary
/// directory; <see cref="Create(string)"/> in a directory you choose. While it lives, this
/// object keeps the segment attached, which tells <c>bus gc</c> that the bus is in use.
/// <see cref="Dispose"/> removes the bus (and the temporary directory).
/// </summary>
/// <remarks>
/// The key file is named <c>run.PID.RANDOM</c> (PID is this process). If the process dies
/// without disposing (SIGKILL), the bus stays; <see cref="Bus.CollectGarbage"/> on its directory
/// removes it once that process is gone and nothing has the bus open
/// (<see cref="BusGarbageKind.AbandonedPrivateBus"/>).
/// </remarks>
public sealed class PrivateBus : IDisposable
{
    private const string Prefix = "run.";
    private readonly string? _temporaryDirectory;
    private readonly Bus _handle;
    private bool _disposed;

    private PrivateBus(string path, string? temporaryDirectory, Bus handle)
    {
        Path = path;
        _temporaryDirectory = temporaryDirectory;
        _handle = handle;
    }

    /// <summary>The key file: give it to the processes that are to use the bus.</summary>
    public string Path { get; }

    /// <summary>Creates a bus in a new directory under the system's temporary directory (mode 0700).</summary>
    public static PrivateBus Create()
    {
        string directory = Directory.CreateTempSubdirectory("bus-").FullName;
        try
        {
            return Create(directory, directory);
        }
        catch
        {
            Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    /// <summary>Creates a bus in <paramref name="directory"/>, made with mode 0755 if missing (its parent must exist).</summary>
    public static PrivateBus Create(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Bus.CreateDirectory(directory);
        return Create(directory, null);
    }

    private static PrivateBus Create(string directory, string? temporaryDirectory)
    {
        const string alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        while (true)
        {
            string path = System.IO.Path.Combine(directory,
                $"{Prefix}{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}.{KernelRandom.GetString(alphabet, 20)}");
            try
            {
                Bus.Create(path, exclusive: true);
            }
            catch (BusAlreadyExistsException)
            {
                continue;
            }
            try
            {
                return new PrivateBus(path, temporaryDirectory, Bus.Open(path, BusAccess.Listen));
            }
            catch
            {
                Bus.Remove(path);
                throw;
            }
        }
    }

    /// <summary>Opens a handle on the bus (dispose it before or after this object).</summary>
    public Bus Open(BusAccess access = BusAccess.ListenAndBroadcast)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return Bus.Open(Path, access);
    }

    /// <summary>
    /// Removes the bus (listeners still on it see it removed) and the temporary directory, if
    /// <see cref="Create()"/> made one.
    /// </summary>
    /// <exception cref="BusRemovalException">Some part of the bus could not be removed.</exception>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _handle.Dispose();
        try
        {
            Bus.Remove(Path);
        }
        catch (BusNotFoundException)
        {
            // Removed by someone else already.
        }
        finally
        {
            if (_temporaryDirectory is not null)
            {
                try
                {
                    Directory.Delete(_temporaryDirectory, recursive: true);
                }
                catch (IOException)
                {
                }
                catch (UnauthorizedAccessException)
                {
                }
            }
        }
    }

    /// <summary>
    /// True if the bus at <paramref name="path"/> was made by a <see cref="PrivateBus"/> whose
    /// process is gone and is unused: the name is <c>run.PID.*</c>, the segment was created by
    /// PID, no such process exists, nothing has the segment attached, and the semaphores are at
    /// rest with no listener and no waiter. (If PID has been reused by another process, the bus
    /// is left alone.)
    /// </summary>
    internal static bool IsAbandoned(string path, BusObjects objects)
    {
        string name = System.IO.Path.GetFileName(path);
        if (!name.StartsWith(Prefix, StringComparison.Ordinal)) return false;
        int dot = name.IndexOf('.', Prefix.Length);
        if (dot < 0 || !int.TryParse(name.AsSpan(Prefix.Length, dot - Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            return false;
        if (objects.Segment.CPid != pid || objects.Segment.NAttch != 0 || ProcessExists(pid)) return false;
        uint user = Bus.CurrentUser;
        if (objects.Semaphores.Perm.Uid != user || objects.Segment.Perm.Uid != user) return false;
        try
        {
            return Bus.ReadSemaphoresOf(path, objects) is { } status && Bus.AtRestWithoutListeners(status);
        }
        catch (BusException)
        {
            return false;
        }
    }

    /// <summary>True if a process <paramref name="pid"/> exists (of any user).</summary>
    private static bool ProcessExists(int pid)
        => pid > 0 && (Interop.Libc.Kill(pid, 0) == 0 || !BusErrors.IsNoSuchProcess(Interop.Errors.LastErrno));
}
