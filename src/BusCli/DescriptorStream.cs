using LibBus;

namespace BusCli;

/// <summary>
/// Standard input, output or error as a stream over the descriptor itself (0, 1 or 2), read and
/// written with plain read(2) and write(2). The runtime's console streams would cost what a
/// process near its limits may not have: each duplicates the descriptor, and the first write
/// sets up terminal and signal handling, a pipe and a thread. Writes go at the descriptor's
/// file offset, shared with whoever else holds it (as <c>&gt;</c> and <c>&gt;&gt;</c> in a shell
/// expect), never at an offset of our own. A write to a reader that went away (EPIPE) is dropped,
/// as the console stream drops it. Other errors are <see cref="IOException"/>s whose
/// <see cref="Exception.HResult"/> is the errno, as the runtime's own are on Unix.
/// </summary>
internal sealed unsafe class DescriptorStream(int fd, FileAccess access) : Stream
{
    public override bool CanRead => access == FileAccess.Read;
    public override bool CanWrite => access == FileAccess.Write;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (!CanRead) throw new NotSupportedException();
        fixed (byte* p = buffer)
        {
            while (true)
            {
                nint n = Interop.Libc.Read(fd, p, (nuint)buffer.Length);
                if (n >= 0) return (int)n;
                int errno = Interop.Errors.LastErrno;
                if (errno != Interop.Errors.EINTR) throw Error(errno);
            }
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (!CanWrite) throw new NotSupportedException();
        fixed (byte* p = buffer)
        {
            int written = 0;
            while (written < buffer.Length)
            {
                nint n = Interop.Libc.Write(fd, p + written, (nuint)(buffer.Length - written));
                if (n >= 0)
                {
                    written += (int)n;
                    continue;
                }
                int errno = Interop.Errors.LastErrno;
                // A reader that went away is a quiet end, as with the runtime's console stream:
                // what is left is dropped (listen and wait notice it by watching the descriptor).
                if (errno == Interop.Errors.EPIPE) return;
                if (errno != Interop.Errors.EINTR) throw Error(errno);
            }
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private static IOException Error(int errno) => new(Interop.Errors.Text(errno), errno);
}
