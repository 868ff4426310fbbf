using System.Diagnostics.CodeAnalysis;
using LibBus;
using LibBus.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers LibBus in a service collection.</summary>
public static class BusServiceCollectionExtensions
{
    /// <summary>
    /// Registers the bus at <see cref="BusOptions.Path"/>: the options (validated when the host
    /// starts), the <see cref="Bus"/> itself (opened, or created, at start; disposed with the
    /// container), <see cref="IBusPublisher"/> and <see cref="BusMetrics"/>. Add listeners with
    /// <see cref="AddBusHandler{THandler}"/>. One bus per service collection.
    /// </summary>
    public static IServiceCollection AddBus(this IServiceCollection services, Action<BusOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<BusOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BusOptions>, BusOptionsValidator>());
        services.AddMetrics();
        services.TryAddSingleton<BusMetrics>();
        services.TryAddSingleton(sp => BusOpener.Open(
            sp.GetRequiredService<IOptions<BusOptions>>(), sp.GetRequiredService<ILoggerFactory>().CreateLogger("LibBus.Hosting.Bus")));
        services.TryAddSingleton<IBusPublisher, BusPublisher>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, BusOpenService>());
        return services;
    }

    /// <summary>
    /// Adds a message handler (scoped: a new instance per message) and the hosted listener
    /// (<see cref="BusListenerService"/>) that runs the handlers. Needs <see cref="AddBus"/>.
    /// </summary>
    public static IServiceCollection AddBusHandler<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>(
        this IServiceCollection services)
        where THandler : class, IBusMessageHandler
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Scoped<IBusMessageHandler, THandler>());
        return services.AddBusListener();
    }

    /// <summary>Adds a handler given as a delegate (called for every message), and the hosted listener.</summary>
    public static IServiceCollection AddBusHandler(this IServiceCollection services, Func<BusMessage, CancellationToken, ValueTask> handler)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(handler);
        services.Add(ServiceDescriptor.Singleton<IBusMessageHandler>(new DelegateHandler(handler)));
        return services.AddBusListener();
    }

    private static IServiceCollection AddBusListener(this IServiceCollection services)
    {
        services.TryAddSingleton<BusListenerService>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, BusListenerService>(sp => sp.GetRequiredService<BusListenerService>()));
        return services;
    }

    private sealed class DelegateHandler(Func<BusMessage, CancellationToken, ValueTask> handler) : IBusMessageHandler
    {
        public ValueTask HandleAsync(BusMessage message, CancellationToken cancellationToken) => handler(message, cancellationToken);
    }
}
