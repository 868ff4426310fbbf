namespace LibBus;

/// <summary>
/// Random keys and names from the kernel (<c>getrandom(2)</c>), uniform as
/// <see cref="System.Security.Cryptography.RandomNumberGenerator"/>'s, which LibBus does not use:
/// on Linux it loads OpenSSL, and a process without libssl aborts at its first call. LibBus
/// (and the <c>bus</c> command) needs no OpenSSL.
/// </summary>
internal static class KernelRandom
{
    /// <summary>Fills <paramref name="buffer"/> with random bytes.</summary>
    public static unsafe void Fill(Span<byte> buffer)
    {
        fixed (byte* start = buffer)
        {
            int done = 0;
            while (done < buffer.Length)
            {
                nint n = Interop.Libc.GetRandom(start + done, (nuint)(buffer.Length - done), 0);
                if (n > 0)
                {
                    done += (int)n;
                    continue;
                }
                int errno = Interop.Errors.LastErrno;
                if (n < 0 && BusErrors.IsInterrupted(errno)) continue;
                throw new BusException($"cannot get random bytes from the kernel: {Interop.Errors.Text(errno)}", null, errno);
            }
        }
    }

    /// <summary>A random number in [<paramref name="fromInclusive"/>, <paramref name="toExclusive"/>), every one equally likely.</summary>
    public static int GetInt32(int fromInclusive, int toExclusive)
    {
        uint range = (uint)(toExclusive - fromInclusive);
        // Rejection: of the 2^32 values, take only the largest multiple of range.
        uint limit = uint.MaxValue - (uint.MaxValue % range + 1) % range;
        Span<byte> bytes = stackalloc byte[4];
        uint value;
        do
        {
            Fill(bytes);
            value = BitConverter.ToUInt32(bytes);
        }
        while (value > limit);
        return fromInclusive + (int)(value % range);
    }

    /// <summary><paramref name="length"/> characters of <paramref name="alphabet"/>, each equally likely.</summary>
    public static string GetString(string alphabet, int length)
        => string.Create(length, alphabet, static (chars, alphabet) =>
        {
            for (int i = 0; i < chars.Length; i++) chars[i] = alphabet[GetInt32(0, alphabet.Length)];
        });

    /// <summary><paramref name="length"/> lowercase hexadecimal digits.</summary>
    public static string GetHexString(int length) => GetString("0123456789abcdef", length);
}
