namespace LibBus;

/// <summary>
/// The key file names IPC objects that are not a bus's: a semaphore array or shared memory
/// segment of another shape (not 5 semaphores, not 2048 bytes), made by some other program at
/// the key. The key file itself may be sound; nothing was done to the objects.
/// </summary>
public sealed class BusObjectMismatchException(string message, string path, int errno = 0)
    : BusException(message, path, errno);
