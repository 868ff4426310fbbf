namespace LibBus;

/// <summary>Whether a key file's IPC objects exist.</summary>
public enum BusState
{
    /// <summary>Both the semaphore array and the segment exist: the bus can be used.</summary>
    Alive,

    /// <summary>
    /// Neither object exists (removed by <c>ipcrm</c>, a reboot, or systemd-logind's RemoveIPC
    /// at logout): only the key file is left. <c>bus create</c> replaces it, <c>bus gc</c> removes it.
    /// </summary>
    Stale,

    /// <summary>One object exists and the other does not: the bus cannot be opened.</summary>
    Partial,

    /// <summary>
    /// The key file names objects that exist but that the caller may not read
    /// (only <see cref="Bus.ListBuses(string)"/> reports this; <see cref="Bus.GetStatus(string)"/> throws).
    /// </summary>
    Unreadable,

    /// <summary>
    /// The key file was made in another IPC namespace (a container, a service with <c>PrivateIPC=</c>)
    /// that shares its directory: its objects cannot be seen from here, and it is never stale from
    /// here (only <see cref="Bus.ListBuses(string)"/> reports this; <see cref="Bus.GetStatus(string)"/>
    /// throws <see cref="BusNamespaceException"/>).
    /// </summary>
    OtherNamespace,

    /// <summary>
    /// The objects the key file names were not created by its owner or root, or have modes wider
    /// than the key file allows: <see cref="Bus.Open(string, BusAccess)"/> refuses them (only
    /// <see cref="Bus.ListBuses(string)"/> reports this; <see cref="Bus.GetStatus(string)"/> throws).
    /// </summary>
    Untrusted,
}
