using System.Diagnostics.CodeAnalysis;
using LibBus;
using LibBus.Hosting;
using Microsoft.Extensions.Configuration;
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
    /// <see cref="AddBusHandler{THandler}"/>. For more buses in one service collection, see
    /// <see cref="AddKeyedBus(IServiceCollection, string, Action{BusOptions})"/>.
    /// </summary>
    public static IServiceCollection AddBus(this IServiceCollection services, Action<BusOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<BusOptions>().Configure(configure);
        return services.AddBusServices(null);
    }

    /// <summary>
    /// Registers the bus as <see cref="AddBus(IServiceCollection, Action{BusOptions})"/> does, its
    /// options bound from <paramref name="configuration"/> (a section such as
    /// <c>builder.Configuration.GetSection("Bus")</c>, whose keys are <see cref="BusOptions"/>'s
    /// property names) and validated when the host starts. More configuration can be added with
    /// <c>services.AddOptions&lt;BusOptions&gt;().Configure(...)</c> or <c>.BindConfiguration(path)</c>.
    /// </summary>
    public static IServiceCollection AddBus(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<BusOptions>().Bind(configuration);
        return services.AddBusServices(null);
    }

    /// <summary>
    /// Registers one more bus, under <paramref name="serviceKey"/>: its options are the named
    /// options <paramref name="serviceKey"/> (validated when the host starts), and its
    /// <see cref="Bus"/>, <see cref="IBusPublisher"/> and <see cref="BusListenerService"/> are keyed
    /// services (<c>[FromKeyedServices("orders")] IBusPublisher</c>,
    /// <c>GetRequiredKeyedService&lt;IBusPublisher&gt;("orders")</c>). Add its listeners with
    /// <see cref="AddKeyedBusHandler{THandler}"/>. Each key names one bus; adding a key again
    /// adds to its options.
    /// </summary>
    public static IServiceCollection AddKeyedBus(this IServiceCollection services, string serviceKey, Action<BusOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(serviceKey);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<BusOptions>(serviceKey).Configure(configure);
        return services.AddBusServices(serviceKey);
    }

    /// <summary>
    /// Registers one more bus under <paramref name="serviceKey"/>, as
    /// <see cref="AddKeyedBus(IServiceCollection, string, Action{BusOptions})"/> does, its options
    /// bound from <paramref name="configuration"/>.
    /// </summary>
    public static IServiceCollection AddKeyedBus(this IServiceCollection services, string serviceKey, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(serviceKey);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<BusOptions>(serviceKey).Bind(configuration);
        return services.AddBusServices(serviceKey);
    }

    /// <summary>
    /// Adds a message handler (scoped: a new instance per message) and the hosted listener
    /// (<see cref="BusListenerService"/>) that runs the handlers. Needs <see cref="AddBus(IServiceCollection, Action{BusOptions})"/>.
    /// </summary>
    public static IServiceCollection AddBusHandler<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>(
        this IServiceCollection services)
        where THandler : class, IBusMessageHandler
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Scoped<IBusMessageHandler, THandler>());
        return services.AddBusListener(null);
    }

    /// <summary>Adds a handler given as a delegate (called for every message), and the hosted listener.</summary>
    public static IServiceCollection AddBusHandler(this IServiceCollection services, Func<BusMessage, CancellationToken, ValueTask> handler)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(handler);
        services.Add(ServiceDescriptor.Singleton<IBusMessageHandler>(new DelegateHandler(handler)));
        return services.AddBusListener(null);
    }

    /// <summary>
    /// Adds a message handler (scoped) of the bus added under <paramref name="serviceKey"/>, and
    /// that bus's hosted listener. Needs <see cref="AddKeyedBus(IServiceCollection, string, Action{BusOptions})"/>.
    /// </summary>
    public static IServiceCollection AddKeyedBusHandler<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>(
        this IServiceCollection services, string serviceKey)
        where THandler : class, IBusMessageHandler
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(serviceKey);
        services.TryAddEnumerable(ServiceDescriptor.KeyedScoped<IBusMessageHandler, THandler>(serviceKey));
        return services.AddBusListener(serviceKey);
    }

    /// <summary>Adds a handler given as a delegate to the bus added under <paramref name="serviceKey"/>, and its hosted listener.</summary>
    public static IServiceCollection AddKeyedBusHandler(this IServiceCollection services, string serviceKey, Func<BusMessage, CancellationToken, ValueTask> handler)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(serviceKey);
        ArgumentNullException.ThrowIfNull(handler);
        services.Add(ServiceDescriptor.KeyedSingleton<IBusMessageHandler>(serviceKey, new DelegateHandler(handler)));
        return services.AddBusListener(serviceKey);
    }

    /// <summary>The services of one bus (null key: the unkeyed bus), each registered once.</summary>
    private static IServiceCollection AddBusServices(this IServiceCollection services, string? serviceKey)
    {
        services.AddOptions<BusOptions>(BusServices.OptionsName(serviceKey)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BusOptions>, BusOptionsValidator>());
        services.AddMetrics();
        services.TryAddSingleton<BusMetrics>();
        if (serviceKey is null)
        {
            services.TryAddSingleton(sp => OpenBus(sp, null));
            services.TryAddSingleton<IBusPublisher>(sp => NewPublisher(sp, null));
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, BusOpenService>(sp => new BusOpenService(sp)));
        }
        else if (!Registered(services, typeof(Bus), serviceKey))
        {
            services.AddKeyedSingleton(serviceKey, (sp, _) => OpenBus(sp, serviceKey));
            services.AddKeyedSingleton<IBusPublisher>(serviceKey, (sp, _) => NewPublisher(sp, serviceKey));
            services.AddSingleton<IHostedService>(sp => new BusOpenService(sp, serviceKey));
        }
        return services;
    }

    private static Bus OpenBus(IServiceProvider sp, string? serviceKey)
        => BusOpener.Open(BusServices.Options(sp, serviceKey), sp.GetRequiredService<ILoggerFactory>().CreateLogger("LibBus.Hosting.Bus"));

    private static BusPublisher NewPublisher(IServiceProvider sp, string? serviceKey)
        => new(BusServices.Bus(sp, serviceKey), BusServices.Options(sp, serviceKey), sp.GetRequiredService<BusMetrics>());

    private static IServiceCollection AddBusListener(this IServiceCollection services, string? serviceKey)
    {
        if (serviceKey is null)
        {
            services.TryAddSingleton<BusListenerService>();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, BusListenerService>(sp => sp.GetRequiredService<BusListenerService>()));
        }
        else if (!Registered(services, typeof(BusListenerService), serviceKey))
        {
            services.AddKeyedSingleton(serviceKey, (sp, _) => new BusListenerService(
                sp, serviceKey, BusServices.Options(sp, serviceKey), sp.GetRequiredService<BusMetrics>(),
                sp.GetRequiredService<ILogger<BusListenerService>>()));
            services.AddSingleton<IHostedService>(sp => sp.GetRequiredKeyedService<BusListenerService>(serviceKey));
        }
        return services;
    }

    private static bool Registered(IServiceCollection services, Type type, string serviceKey)
        => services.Any(d => d.IsKeyedService && d.ServiceType == type && Equals(d.ServiceKey, serviceKey));

    private sealed class DelegateHandler(Func<BusMessage, CancellationToken, ValueTask> handler) : IBusMessageHandler
    {
        public ValueTask HandleAsync(BusMessage message, CancellationToken cancellationToken) => handler(message, cancellationToken);
    }
}
