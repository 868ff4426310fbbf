using LibBus;

namespace BusCli;

/// <summary>The command's own background threads: started in one place, so that one that cannot be is one clear error.</summary>
internal static class Threads
{
    /// <summary>
    /// Starts <paramref name="body"/> on a new background thread named <paramref name="name"/>.
    /// The runtime reports a thread it could not create (pthread_create: EAGAIN at ulimit -u,
    /// or no memory for its stack) as <see cref="OutOfMemoryException"/>; this says what it was.
    /// </summary>
    /// <exception cref="CliException">The thread could not be started.</exception>
    public static void StartBackground(string name, ThreadStart body)
    {
        var thread = new Thread(body) { IsBackground = true, Name = name };
        try
        {
            thread.Start();
        }
        catch (OutOfMemoryException e)
        {
            throw new CliException($"cannot start the {name} thread (see ulimit -u and ulimit -v)", ExitCodes.Failure, Interop.Errors.EAGAIN, e);
        }
    }
}
