using System.CommandLine;

namespace BusCli.Commands;

/// <summary>The option chmod, chown, chgrp and remove share.</summary>
internal static class AdminOptions
{
    /// <summary>
    /// <c>--allow-owner-mismatch</c>: act even if the key file's owner does not own both IPC
    /// objects (which may mean the file names another user's bus).
    /// </summary>
    public static Option<bool> AllowOwnerMismatch() => new("--allow-owner-mismatch")
    {
        Description = "Act even if the key file's owner does not own the bus's semaphore array and shared memory " +
                      "segment. Without it such a bus is refused: a key file made by another user can name anyone's " +
                      "bus, and this verb would act on that bus.",
    };
}
