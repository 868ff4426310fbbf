namespace BusCli;

/// <summary>The exit statuses of <c>bus</c>; bus(1) documents the same table.</summary>
internal static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Success = 0;

    /// <summary>The command failed; one line on stderr says why.</summary>
    public const int Failure = 1;

    /// <summary>Bad command line: unknown verb or option, missing or extra arguments, bad value.</summary>
    public const int Usage = 2;

    /// <summary><c>broadcast -n</c>: another broadcaster held the bus; nothing was sent.</summary>
    public const int Busy = 3;

    /// <summary><c>--timeout</c> of broadcast, listen or wait: the time ran out.</summary>
    public const int Timeout = 4;

    /// <summary><c>listen</c>/<c>wait</c> ended by a signal (after leaving the bus cleanly): 128 + the signal number.</summary>
    public static int Signal(int signalNumber) => 128 + signalNumber;

    /// <summary>The exit status table for <c>--help</c>.</summary>
    public const string Table =
        "Exit status: 0 success; 1 failure; 2 bad command line; 3 busy (broadcast -n); " +
        "4 timeout (--timeout of broadcast, listen or wait); 128+N when listen or wait is ended by signal N " +
        "(129 SIGHUP, 130 SIGINT, 143 SIGTERM).";
}
