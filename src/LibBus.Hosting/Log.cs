using Microsoft.Extensions.Logging;

namespace LibBus.Hosting;

/// <summary>Every log message of LibBus.Hosting (source-generated, no allocation when disabled).</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Created the bus {Path} (mode {Mode})")]
    internal static partial void Created(ILogger logger, string path, string mode);

    [LoggerMessage(2, LogLevel.Debug, "Opened the bus {Path}")]
    internal static partial void Opened(ILogger logger, string path);

    [LoggerMessage(3, LogLevel.Critical, "Cannot use the bus: {Reason}")]
    internal static partial void OpenFailed(ILogger logger, string reason);

    [LoggerMessage(4, LogLevel.Information, "Joined the bus {Path}: listening")]
    internal static partial void Joined(ILogger logger, string path);

    [LoggerMessage(5, LogLevel.Information, "Left the bus {Path}")]
    internal static partial void Left(ILogger logger, string path);

    [LoggerMessage(6, LogLevel.Error, "The bus {Path} was removed; this service no longer receives its messages ({Reason})")]
    internal static partial void Removed(ILogger logger, string path, string reason);

    [LoggerMessage(7, LogLevel.Error, "Handler {Handler} failed on a message of the bus {Path}")]
    internal static partial void HandlerFailed(ILogger logger, Exception exception, string handler, string path);

    [LoggerMessage(8, LogLevel.Critical, "The listener of the bus {Path} failed")]
    internal static partial void ListenerFailed(ILogger logger, Exception exception, string path);

    [LoggerMessage(9, LogLevel.Information, "Stopping the application: its bus {Path} was removed")]
    internal static partial void StoppingOnRemoval(ILogger logger, string path);
}
