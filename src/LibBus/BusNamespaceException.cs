namespace LibBus;

/// <summary>
/// The key file was made in another IPC namespace (a container, a service with <c>PrivateIPC=</c>)
/// that shares its directory: its objects cannot be seen from this process, so it is not opened,
/// and never taken for stale, replaced or removed from here.
/// </summary>
public sealed class BusNamespaceException(string message, string path)
    : BusException(message, path);
