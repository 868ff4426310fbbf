namespace LibBus.Nats;

/// <summary>
/// Recognises, on the out side, the bridge's own broadcasts of the in side, without marking
/// them: local listeners must get the exact bytes. The in side announces each message before
/// it broadcasts it; since the bridge's listener is on the bus throughout, it receives that
/// message, in bus order, and skips the first announced copy it sees. Another local
/// message with the very same bytes just before it would be skipped instead, and ours
/// forwarded: the same bytes leave either way.
/// </summary>
internal sealed class EchoFilter
{
    private readonly Queue<byte[]> _expected = new();
    private readonly Lock _lock = new();

    public void Expect(byte[] message)
    {
        lock (_lock) _expected.Enqueue(message);
    }

    /// <summary>The broadcast of <paramref name="message"/> failed: stop expecting it if it was not seen.</summary>
    public void Forget(byte[] message)
    {
        lock (_lock)
        {
            if (!_expected.Contains(message)) return;
            var rest = _expected.Where(m => !ReferenceEquals(m, message)).ToArray();
            _expected.Clear();
            foreach (byte[] m in rest) _expected.Enqueue(m);
        }
    }

    /// <summary>True (and consumed) if <paramref name="message"/> is the next copy the in side broadcast.</summary>
    public bool IsEcho(ReadOnlySpan<byte> message)
    {
        lock (_lock)
        {
            if (_expected.Count == 0 || !_expected.Peek().AsSpan().SequenceEqual(message)) return false;
            _expected.Dequeue();
            return true;
        }
    }
}
