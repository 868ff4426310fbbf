using Microsoft.Extensions.Logging;

namespace LibBus.Hosting;

/// <summary>Opens the service's bus once, creating it first if the options say so.</summary>
internal static class BusOpener
{
    internal static Bus Open(BusOptions o, ILogger logger)
    {
        try
        {
            if (o.CreateIfMissing && !File.Exists(o.Path))
            {
                try
                {
                    Bus.Create(o.Path, exclusive: true);
                    Created(o, logger);
                }
                catch (BusAlreadyExistsException)
                {
                    // Created by someone else meanwhile: use theirs.
                }
            }
            else if (o.CreateIfMissing && IsStale(o.Path))
            {
                // A key file whose objects are gone (a reboot, systemd-logind's RemoveIPC): replaced,
                // as Bus.Create replaces it; a usable bus put there meanwhile is kept as it is.
                Bus.Create(o.Path);
                Created(o, logger);
            }
            Bus bus = Bus.Open(o.Path);
            Log.Opened(logger, o.Path);
            return bus;
        }
        catch (BusException e)
        {
            Log.OpenFailed(logger, e.Message);
            throw;
        }
    }

    private static void Created(BusOptions o, ILogger logger)
    {
        if (o.Mode is { } mode) Bus.ChangeMode(o.Path, mode);
        Log.Created(logger, o.Path, Convert.ToString((int)(o.Mode ?? (UnixFileMode)0x180), 8).PadLeft(4, '0'));
    }

    /// <summary>Whether the key file at <paramref name="path"/> is stale (its objects gone), as <see cref="Bus.GetStatus"/> reports it.</summary>
    private static bool IsStale(string path)
    {
        try
        {
            return Bus.GetStatus(path).State == BusState.Stale;
        }
        catch (BusNotFoundException)
        {
            return false; // removed meanwhile: Open says so
        }
    }
}

/// <summary>Opens (or creates) the bus when the host starts, so a bad bus fails the start, not the first publish.</summary>
internal sealed class BusOpenService(IServiceProvider services, string? serviceKey = null) : Microsoft.Extensions.Hosting.IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = BusServices.Bus(services, serviceKey);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
