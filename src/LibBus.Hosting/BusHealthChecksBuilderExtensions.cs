using LibBus.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the bus's health check to <c>services.AddHealthChecks()</c>.</summary>
public static class BusHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds a check of the bus added with <c>AddBus</c>, or with <c>AddKeyedBus</c> under
    /// <paramref name="serviceKey"/>: healthy while the bus exists (its key file and both IPC
    /// objects; <c>bus status</c>'s "alive") and, if the service has a hosted listener, while that
    /// listener is joined; otherwise <paramref name="failureStatus"/> (default: unhealthy), with a
    /// one-line reason. Its data: <c>path</c>, <c>state</c>, <c>listeners_joined</c>.
    /// </summary>
    /// <param name="builder">From <c>services.AddHealthChecks()</c>.</param>
    /// <param name="serviceKey">The key of a bus added with <c>AddKeyedBus</c>; null for the bus of <c>AddBus</c>.</param>
    /// <param name="name">The check's name; default "libbus", or "libbus-KEY" for a keyed bus.</param>
    /// <param name="failureStatus">The status reported when the bus is not healthy; default <see cref="HealthStatus.Unhealthy"/>.</param>
    /// <param name="tags">Tags to filter checks by (e.g. "ready").</param>
    public static IHealthChecksBuilder AddBusCheck(this IHealthChecksBuilder builder, string? serviceKey = null, string? name = null,
        HealthStatus? failureStatus = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        name ??= serviceKey is null ? "libbus" : $"libbus-{serviceKey}";
        return builder.Add(new HealthCheckRegistration(name, sp => new BusHealthCheck(sp, serviceKey), failureStatus, tags));
    }
}
