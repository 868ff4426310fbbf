using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LibBus.Hosting;

/// <summary>
/// The hosted listener: joins the service's bus when the host starts, hands each message to
/// the registered <see cref="IBusMessageHandler"/>s (a new scope per message), and leaves the
/// bus when the host stops. Added by <see cref="Microsoft.Extensions.DependencyInjection.BusServiceCollectionExtensions.AddBusHandler{THandler}"/>;
/// resolve it to await <see cref="Joined"/>.
/// </summary>
/// <remarks>
/// A handler that throws is logged and counted, never stops the listener. A removed bus ends
/// listening with an error in the log; the host goes on running unless
/// <see cref="BusOptions.StopApplicationWhenRemoved"/> is set.
/// </remarks>
public sealed class BusListenerService : BackgroundService
{
    private readonly IServiceProvider _services;
    private readonly string? _serviceKey;
    private readonly IServiceScopeFactory _scopes;
    private readonly BusOptions _options;
    private readonly BusMetrics _metrics;
    private readonly IHostApplicationLifetime? _lifetime;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource _joined = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Made by the container.</summary>
    public BusListenerService(IServiceProvider services, IOptions<BusOptions> options, BusMetrics metrics, ILogger<BusListenerService> logger)
        : this(services, null, options.Value, metrics, logger)
    {
    }

    /// <summary>The listener of the bus added with <paramref name="serviceKey"/> (null: the unkeyed one), running its handlers.</summary>
    internal BusListenerService(IServiceProvider services, string? serviceKey, BusOptions options, BusMetrics metrics, ILogger<BusListenerService> logger)
    {
        _services = services;
        _serviceKey = serviceKey;
        _scopes = services.GetRequiredService<IServiceScopeFactory>();
        _options = options;
        _metrics = metrics;
        _lifetime = services.GetService<IHostApplicationLifetime>();
        _logger = logger;
    }

    /// <summary>Completes once the listener is counted on the bus (a broadcast from then on reaches it); faults if it could not join; cancelled if stopped first.</summary>
    public Task Joined => _joined.Task;

    /// <summary>Joined and not ended (stopped, or the bus removed): what the health check asks.</summary>
    internal bool Listening => _joined.Task.IsCompletedSuccessfully && ExecuteTask is { IsCompleted: false };

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        string path = _options.Path;
        BusSubscription subscription;
        try
        {
            subscription = BusServices.Bus(_services, _serviceKey).Subscribe(
                _options.SubscriptionCapacity, _options.IgnoreOwnMessages ? NotFromThisProcess() : null);
        }
        catch (Exception e)
        {
            _joined.TrySetException(e);
            throw;
        }
        bool removed = false;
        try
        {
            await subscription.Joined.WaitAsync(stoppingToken).ConfigureAwait(false);
            Log.Joined(_logger, path);
            _joined.TrySetResult();
            await foreach (BusMessage message in subscription.WithCancellation(stoppingToken).ConfigureAwait(false))
            {
                _metrics.Received(path);
                await DispatchAsync(message, path, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping.
        }
        catch (BusRemovedException e)
        {
            removed = true;
            _joined.TrySetException(e);
            Log.Removed(_logger, path, e.Message);
        }
        catch (Exception e)
        {
            _joined.TrySetException(e);
            Log.ListenerFailed(_logger, e, path);
            throw;
        }
        finally
        {
            await subscription.DisposeAsync().ConfigureAwait(false);
            _joined.TrySetCanceled(CancellationToken.None);
            if (!removed) Log.Left(_logger, path);
        }
        if (removed && _options.StopApplicationWhenRemoved && _lifetime is not null)
        {
            Log.StoppingOnRemoval(_logger, path);
            _lifetime.StopApplication();
        }
    }

    private async Task DispatchAsync(BusMessage message, string path, CancellationToken stoppingToken)
    {
        AsyncServiceScope scope = _scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            foreach (IBusMessageHandler handler in BusServices.Handlers(scope.ServiceProvider, _serviceKey))
            {
                try
                {
                    await handler.HandleAsync(message, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    throw;
                }
                catch (Exception e)
                {
                    _metrics.HandlerFailed(path);
                    Log.HandlerFailed(_logger, e, handler.GetType().Name, path);
                }
            }
        }
    }

    /// <summary>Passes the messages that do not begin with this process's id and a space (<see cref="BusOptions.IgnoreOwnMessages"/>).</summary>
    private static BusMessageFilter NotFromThisProcess()
    {
        byte[] prefix = System.Text.Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) + " ");
        return message => !message.StartsWith(prefix);
    }
}
