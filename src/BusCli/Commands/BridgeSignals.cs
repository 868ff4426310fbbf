using System.Runtime.InteropServices;

namespace BusCli.Commands;

/// <summary>
/// SIGINT, SIGTERM and SIGHUP as cancellation, for <c>bus bridge</c>: unlike <c>listen</c>,
/// which leaves it to the kernel to end it at once (<see cref="StopSignals"/>), the bridge
/// stops on purpose, so that it sends what it has buffered and acknowledges what it broadcast.
/// </summary>
internal sealed class BridgeSignals : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly PosixSignalRegistration[] _registrations;
    private int _signal;

    public BridgeSignals()
    {
        _registrations = StopSignals.Register(Handle);
    }

    /// <summary>Cancelled by the first stop signal.</summary>
    public CancellationToken Token => _source.Token;

    /// <summary>The number of the signal that stopped the bridge (2 for SIGINT), or 0.</summary>
    public int Signal => Volatile.Read(ref _signal);

    private void Handle(PosixSignalContext context)
    {
        context.Cancel = true;
        Interlocked.CompareExchange(ref _signal, StopSignals.Number(context.Signal), 0);
        try
        {
            _source.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public void Dispose()
    {
        foreach (PosixSignalRegistration registration in _registrations) registration.Dispose();
        _source.Dispose();
    }
}
