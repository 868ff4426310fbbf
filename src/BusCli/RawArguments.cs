using System.Text;
using LibBus;

namespace BusCli;

/// <summary>
/// Command-line arguments as the bytes the caller passed. The runtime decodes argv as UTF-8
/// before <c>Main</c> and turns bytes that are not UTF-8 into U+FFFD, which would change a
/// message or a command silently. So when an argument holds U+FFFD, its bytes are read again
/// from <c>/proc/self/cmdline</c>, and each byte that is not part of valid UTF-8 is kept as a
/// lone low surrogate U+DC80..U+DCFF (Python's "surrogateescape"). Valid UTF-8 never decodes
/// to a lone surrogate, so <see cref="ToBytes"/> gives back exactly the bytes passed.
/// </summary>
internal static class RawArguments
{
    /// <summary>True if the runtime may have replaced bytes of <paramref name="argument"/>.</summary>
    public static bool MayBeAltered(string argument) => argument.Contains('\uFFFD');

    /// <summary>
    /// <paramref name="args"/> with every argument that may have been altered decoded again
    /// from its bytes. Costs nothing (no system call) unless an argument holds U+FFFD.
    /// </summary>
    /// <exception cref="BusException">The bytes cannot be recovered.</exception>
    public static string[] Recover(string[] args)
    {
        if (!args.Any(MayBeAltered)) return args;
        byte[] commandLine;
        try
        {
            commandLine = File.ReadAllBytes("/proc/self/cmdline");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Unrecoverable($"/proc/self/cmdline: {e.Message}");
        }
        var raw = new List<byte[]>();
        foreach (Range range in commandLine.AsSpan().TrimEnd((byte)0).Split((byte)0))
            raw.Add(commandLine[range]);
        // argv[0] (and, for 'dotnet bus.dll', the host's own arguments) come first.
        int first = raw.Count - args.Length;
        if (first < 0) throw Unrecoverable("/proc/self/cmdline holds fewer arguments than the runtime passed");
        var recovered = new string[args.Length];
        for (int i = 0; i < args.Length; i++)
        {
            byte[] bytes = raw[first + i];
            if (!string.Equals(Encoding.UTF8.GetString(bytes), args[i], StringComparison.Ordinal))
                throw Unrecoverable($"argument {i + 1} in /proc/self/cmdline is not the one the runtime passed");
            recovered[i] = Decode(bytes);
        }
        return recovered;
    }

    private static BusException Unrecoverable(string why) => new(
        $"an argument is not valid UTF-8 and its bytes cannot be read back ({why}); nothing was done");

    /// <summary>Decodes UTF-8, keeping each byte that is not part of valid UTF-8 as U+DC80..U+DCFF.</summary>
    public static string Decode(ReadOnlySpan<byte> bytes) => Interop.FileNames.Decode(bytes);

    /// <summary>True if <paramref name="value"/> holds a byte that is not part of valid UTF-8 (see <see cref="Decode"/>).</summary>
    public static bool HasRawBytes(string value) => Interop.FileNames.HasRawBytes(value);

    /// <summary>The bytes <paramref name="value"/> stands for: its UTF-8, with each kept byte restored.</summary>
    /// <exception cref="BusMessageInvalidException">An unpaired surrogate that is not a kept byte.</exception>
    public static byte[] ToBytes(string value)
        => Interop.FileNames.ToBytes(value) ?? throw new BusMessageInvalidException("not valid text (an unpaired surrogate)");
}
