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
                    if (o.Mode is { } mode) Bus.ChangeMode(o.Path, (int)mode);
                    Log.Created(logger, o.Path, Convert.ToString((int)(o.Mode ?? (UnixFileMode)0x180), 8).PadLeft(4, '0'));
                }
                catch (BusAlreadyExistsException)
                {
                    // Created by someone else meanwhile: use theirs.
                }
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
