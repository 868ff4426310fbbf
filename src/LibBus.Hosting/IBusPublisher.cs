namespace LibBus.Hosting;

/// <summary>Broadcasts on the service's bus (<see cref="Microsoft.Extensions.DependencyInjection.BusServiceCollectionExtensions.AddBus(Microsoft.Extensions.DependencyInjection.IServiceCollection, Action{BusOptions})"/>).</summary>
public interface IBusPublisher
{
    /// <summary>
    /// Broadcasts <paramref name="message"/> as it is (by convention <c>"&lt;pid&gt; &lt;text&gt;"</c>:
    /// see <see cref="BusMessage.FromThisProcess"/>); completes once every listener copied it.
    /// Calls are sent in call order, as <see cref="Bus.BroadcastAsync(string, TimeSpan?, CancellationToken)"/> sends them,
    /// within <see cref="BusOptions.PublishTimeout"/>.
    /// </summary>
    /// <exception cref="BusMessageInvalidException">Thrown at once: not a valid message.</exception>
    Task PublishAsync(string message, CancellationToken cancellationToken = default);

    /// <summary>Broadcasts a <see cref="BusMessage"/>; see <see cref="PublishAsync(string, CancellationToken)"/>.</summary>
    Task PublishAsync(BusMessage message, CancellationToken cancellationToken = default);
}
