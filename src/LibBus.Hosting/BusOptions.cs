namespace LibBus.Hosting;

/// <summary>
/// The bus a service uses, registered with <see cref="Microsoft.Extensions.DependencyInjection.BusServiceCollectionExtensions.AddBus(Microsoft.Extensions.DependencyInjection.IServiceCollection, Action{BusOptions})"/>
/// (or from a configuration section, whose keys are these properties' names: <c>Path</c>,
/// <c>CreateIfMissing</c>, <c>Mode</c> as names such as <c>"UserRead, UserWrite"</c>, ...).
/// A bus added with a key (<c>AddKeyedBus</c>) has the named options of that key.
/// </summary>
public sealed class BusOptions
{
    /// <summary>The bus's key file: an absolute path. Required.</summary>
    public string Path { get; set; } = "";

    /// <summary>Create the bus at start if <see cref="Path"/> does not exist. Default: false (a missing bus fails the start).</summary>
    public bool CreateIfMissing { get; set; }

    /// <summary>
    /// The permissions of a bus this service creates (as <c>bus chmod</c>: any bit of a class
    /// gives that class read and write on the bus). Null: 0600, the owner only. An existing
    /// bus keeps its permissions.
    /// </summary>
    public UnixFileMode? Mode { get; set; }

    /// <summary>How many received messages may wait for the handlers before the listener holds broadcasters back (<see cref="Bus.Subscribe(int)"/>).</summary>
    public int SubscriptionCapacity { get; set; } = BusSubscription.DefaultCapacity;

    /// <summary>Limit for each <see cref="IBusPublisher.PublishAsync(string, CancellationToken)"/> from call to delivery; null for none.</summary>
    public TimeSpan? PublishTimeout { get; set; }

    /// <summary>
    /// Stop the application (<c>IHostApplicationLifetime.StopApplication</c>) when the bus is
    /// removed under the hosted listener. Default: false, the listener logs an error and ends
    /// while the rest of the service runs on.
    /// </summary>
    public bool StopApplicationWhenRemoved { get; set; }

    /// <summary>
    /// The hosted listener drops the messages this process broadcast itself (those whose text
    /// begins with this process's id and a space, as <see cref="BusMessage.FromThisProcess"/>
    /// writes them), as NATS's <c>NoEcho</c> does: they are acknowledged and never reach the
    /// handlers. Default: false, every message reaches them.
    /// </summary>
    public bool IgnoreOwnMessages { get; set; }
}
