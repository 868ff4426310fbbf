using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LibBus.Hosting;

/// <summary>
/// Healthy while the service's bus exists (its key file and both IPC objects) and, when the
/// service listens (<see cref="BusListenerService"/>), while the listener is joined; unhealthy
/// otherwise, saying why. Added by
/// <see cref="Microsoft.Extensions.DependencyInjection.BusHealthChecksBuilderExtensions.AddBusCheck"/>.
/// </summary>
internal sealed class BusHealthCheck(IServiceProvider services, string? serviceKey) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        HealthStatus failure = context.Registration.FailureStatus;
        Bus bus;
        BusStatus status;
        try
        {
            bus = BusServices.Bus(services, serviceKey);
            status = Bus.GetStatus(bus.Path);
        }
        catch (BusException e)
        {
            return Task.FromResult(new HealthCheckResult(failure, e.Message, e));
        }
        var data = new Dictionary<string, object>
        {
            ["path"] = bus.Path,
            ["state"] = status.State.ToString(),
        };
        if (status.ListenersJoined is { } joined) data["listeners_joined"] = joined;
        if (status.State != BusState.Alive)
            return Task.FromResult(new HealthCheckResult(failure, $"{bus.Path}: the bus is {status.State.ToString().ToLowerInvariant()}", data: data));
        if (BusServices.Listener(services, serviceKey) is { } listener && !listener.Listening)
        {
            string why = listener.Joined.IsCompleted ? "the listener has ended" : "the listener has not joined yet";
            return Task.FromResult(new HealthCheckResult(failure, $"{bus.Path}: {why}", listener.ExecuteTask?.Exception?.InnerException, data));
        }
        return Task.FromResult(HealthCheckResult.Healthy($"{bus.Path}: alive", data));
    }
}
