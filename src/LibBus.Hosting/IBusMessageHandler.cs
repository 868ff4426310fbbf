namespace LibBus.Hosting;

/// <summary>
/// Handles the messages of the service's bus. Register with
/// <see cref="Microsoft.Extensions.DependencyInjection.BusServiceCollectionExtensions.AddBusHandler{THandler}"/>; the hosted listener
/// resolves the handlers in a new scope per message and calls each in turn.
/// </summary>
/// <remarks>
/// An exception from a handler is logged and counted; the listener goes on with the next
/// handler and message. While handlers run, received messages wait in the subscription's
/// buffer (<see cref="BusOptions.SubscriptionCapacity"/>); once it is full the bus waits
/// for them, so a handler must not wait for its own broadcast on the same bus while the
/// buffer may be full (see <see cref="BusDeadlockException"/>).
/// </remarks>
public interface IBusMessageHandler
{
    /// <summary>Handles one message. <paramref name="cancellationToken"/> fires when the host stops.</summary>
    ValueTask HandleAsync(BusMessage message, CancellationToken cancellationToken);
}
