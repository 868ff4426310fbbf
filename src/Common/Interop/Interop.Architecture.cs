using System.Runtime.InteropServices;

namespace LibBus;

internal static partial class Interop
{
    /// <summary>
    /// The architectures whose C constants and struct layouts Interop knows (checked against each
    /// one's glibc headers by NativeLayoutTests), and the one this process runs on. A constant or
    /// layout that differs by architecture is declared once per architecture and chosen here, once:
    /// the library is one assembly for every architecture (a package, or a JIT build without a
    /// runtime identifier), so the choice is made once per process, into a static readonly field,
    /// from <see cref="RuntimeInformation.ProcessArchitecture"/> (a constant of the runtime built
    /// for that architecture; the JIT and the Native AOT compiler treat the field as one). Any other
    /// architecture fails at the first use of these values with a
    /// <see cref="PlatformNotSupportedException"/> (inside the type initializer's exception): its
    /// values are never guessed. Builds for a runtime identifier of another architecture fail outright
    /// (build/Architecture.targets).
    /// </summary>
    internal static class Architectures
    {
        /// <summary>True on arm64 (aarch64), false on x64; no other value exists.</summary>
        internal static readonly bool IsArm64 = IsArm64Architecture(RuntimeInformation.ProcessArchitecture);

        /// <summary>Whether <paramref name="architecture"/> is arm64 (true) or x64 (false); throws for any other.</summary>
        /// <exception cref="PlatformNotSupportedException">Neither x64 nor arm64.</exception>
        internal static bool IsArm64Architecture(Architecture architecture) => architecture switch
        {
            Architecture.X64 => false,
            Architecture.Arm64 => true,
            _ => throw Unsupported(architecture),
        };

        /// <summary>Whether the values of <paramref name="architecture"/> are known (a program checks at start: the bus command).</summary>
        internal static bool IsSupported(Architecture architecture) => architecture is Architecture.X64 or Architecture.Arm64;

        /// <summary>The error for an architecture whose values are not known.</summary>
        internal static PlatformNotSupportedException Unsupported(Architecture architecture) => new(
            $"LibBus runs on Linux x64 and arm64 only, not on {architecture}: the C constants and struct layouts it passes to libc are known only for those");

        /// <summary><paramref name="x64"/> or <paramref name="arm64"/>, for this process's architecture.</summary>
        internal static int Choose(int x64, int arm64) => IsArm64 ? arm64 : x64;
    }
}
