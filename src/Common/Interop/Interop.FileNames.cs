using System.Buffers;
using System.Runtime.InteropServices;
using System.Runtime.InteropServices.Marshalling;
using System.Text;

namespace LibBus;

internal static partial class Interop
{
    /// <summary>
    /// File names (and arguments) as bytes in .NET strings, byte for byte. A Linux name is any bytes
    /// but <c>/</c> and NUL; .NET decodes names as UTF-8 and turns bytes that are not valid UTF-8
    /// into U+FFFD, losing them. Here each such byte is kept as a lone low surrogate
    /// U+DC80..U+DCFF (U+DC00 + the byte: Python's PEP 383 "surrogateescape"). Valid UTF-8 never
    /// decodes to a lone surrogate, so <see cref="ToBytes"/> gives back exactly the bytes decoded.
    /// LibBus lists directories this way and passes every path to the kernel through
    /// <see cref="FileNameMarshaller"/>; the command decodes its arguments this way.
    /// </summary>
    internal static class FileNames
    {
        private const char EscapeBase = '\uDC00';

        /// <summary>Decodes UTF-8, keeping each byte that is not part of valid UTF-8 as U+DC80..U+DCFF.</summary>
        public static string Decode(ReadOnlySpan<byte> bytes)
        {
            if (System.Text.Unicode.Utf8.IsValid(bytes)) return Encoding.UTF8.GetString(bytes);
            var text = new StringBuilder(bytes.Length);
            Span<char> chars = stackalloc char[2];
            while (!bytes.IsEmpty)
            {
                OperationStatus status = Rune.DecodeFromUtf8(bytes, out Rune rune, out int consumed);
                if (status == OperationStatus.Done)
                    text.Append(chars[..rune.EncodeToUtf16(chars)]);
                else
                    foreach (byte b in bytes[..consumed]) text.Append((char)(EscapeBase + b));
                bytes = bytes[consumed..];
            }
            return text.ToString();
        }

        /// <summary>True if <paramref name="value"/> holds a kept byte (see <see cref="Decode"/>).</summary>
        public static bool HasRawBytes(string value)
        {
            for (int i = 0; i < value.Length; i++)
            {
                if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1])) i++;
                else if (IsRawByte(value[i])) return true;
            }
            return false;
        }

        private static bool IsRawByte(char c) => c is >= '\uDC80' and <= '\uDCFF';

        /// <summary>
        /// The bytes <paramref name="value"/> stands for: its UTF-8, with each kept byte restored.
        /// Null if it holds an unpaired surrogate that is not a kept byte (no bytes stand for it).
        /// </summary>
        public static byte[]? ToBytes(string value)
        {
            if (value.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') < 0) return Encoding.UTF8.GetBytes(value);
            var bytes = new List<byte>(value.Length + 8);
            Span<byte> utf8 = stackalloc byte[4];
            for (int i = 0; i < value.Length;)
            {
                if (IsRawByte(value[i]))
                {
                    bytes.Add((byte)(value[i] - EscapeBase));
                    i++;
                    continue;
                }
                if (Rune.DecodeFromUtf16(value.AsSpan(i), out Rune rune, out int used) != OperationStatus.Done) return null;
                bytes.AddRange(utf8[..rune.EncodeToUtf8(utf8)]);
                i += used;
            }
            return [.. bytes];
        }
    }

    /// <summary>
    /// Passes a path to a native call as the bytes it stands for (<see cref="FileNames"/>), NUL
    /// terminated; an unpaired surrogate that is not a kept byte becomes U+FFFD's bytes, as the
    /// runtime's UTF-8 marshalling does.
    /// </summary>
    [CustomMarshaller(typeof(string), MarshalMode.ManagedToUnmanagedIn, typeof(FileNameMarshaller))]
    internal static unsafe class FileNameMarshaller
    {
        public static byte* ConvertToUnmanaged(string? managed)
        {
            if (managed is null) return null;
            byte[] bytes = FileNames.ToBytes(managed) ?? Encoding.UTF8.GetBytes(managed);
            byte* native = (byte*)NativeMemory.Alloc((nuint)bytes.Length + 1);
            bytes.AsSpan().CopyTo(new Span<byte>(native, bytes.Length));
            native[bytes.Length] = 0;
            return native;
        }

        public static void Free(byte* unmanaged) => NativeMemory.Free(unmanaged);
    }
}
