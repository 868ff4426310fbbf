using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LibBus.Hosting;

/// <summary>
/// Where the services of one bus are found: the unkeyed ones for the bus of <c>AddBus</c>, the
/// keyed ones for a bus of <c>AddKeyedBus(serviceKey, ...)</c>, whose options are named by its key.
/// </summary>
internal static class BusServices
{
    internal static string OptionsName(string? serviceKey) => serviceKey ?? Microsoft.Extensions.Options.Options.DefaultName;

    internal static BusOptions Options(IServiceProvider services, string? serviceKey)
        => services.GetRequiredService<IOptionsMonitor<BusOptions>>().Get(OptionsName(serviceKey));

    internal static Bus Bus(IServiceProvider services, string? serviceKey)
        => serviceKey is null ? services.GetRequiredService<Bus>() : services.GetRequiredKeyedService<Bus>(serviceKey);

    internal static BusListenerService? Listener(IServiceProvider services, string? serviceKey)
        => serviceKey is null ? services.GetService<BusListenerService>() : services.GetKeyedService<BusListenerService>(serviceKey);

    internal static IEnumerable<IBusMessageHandler> Handlers(IServiceProvider services, string? serviceKey)
        => serviceKey is null ? services.GetServices<IBusMessageHandler>() : services.GetKeyedServices<IBusMessageHandler>(serviceKey);
}
