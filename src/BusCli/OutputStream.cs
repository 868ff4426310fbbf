namespace BusCli;

/// <summary>
/// Standard output as the verbs write it: a write that fails is an error, reported once as
/// <see cref="OutputFailedException"/> (<c>bus: standard output: WHY</c>, status 1), never a
/// quiet end. The descriptor stream underneath takes a reader that went away (EPIPE) as
/// written: that stays the one quiet end (listen and wait notice it by watching fd 1). After a
/// failure, later writes and flushes are dropped, so the buffered rest is not reported again.
/// </summary>
internal sealed class OutputStream(Stream inner) : Stream
{
    private bool _failed;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (_failed) return;
        try
        {
            inner.Write(buffer);
        }
        catch (IOException e)
        {
            throw Failed(e);
        }
    }

    public override void Flush()
    {
        if (_failed) return;
        try
        {
            inner.Flush();
        }
        catch (IOException e)
        {
            throw Failed(e);
        }
    }

    private OutputFailedException Failed(IOException e)
    {
        _failed = true;
        return new OutputFailedException(e);
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>Writing to standard output failed (a full device or file system, an I/O error; not EPIPE).</summary>
internal sealed class OutputFailedException(IOException cause)
    : IOException($"standard output: {cause.Message}", cause);
