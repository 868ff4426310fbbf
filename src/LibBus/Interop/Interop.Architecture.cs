using System.Runtime.InteropServices;

namespace LibBus;

internal static partial class Interop
{
    /// <summary>
    /// The architectures whose C constants and struct layouts Interop knows (checked against each
    /// one's glibc headers by NativeLayoutTests), and the one this process runs on. A constant or
    /// layout that differs by architecture is declared once per architecture and chosen here, once:
    /// the library is one assembly for every architecture (a package, or a JIT build without a
    /// runtime identifier), so the choice is made at run time, from
    /// <see cref="RuntimeInformation.ProcessArchitecture"/>, which the runtime's own build fixes
    /// for its architecture (Native AOT folds it into a constant). Any other architecture fails at
    /// the first native call with <see cref="PlatformNotSupportedException"/>: its values are
    /// never guessed. Builds for a runtime identifier of another architecture fail outright
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
            _ => throw new PlatformNotSupportedException(
                $"LibBus runs on Linux x64 and arm64 only, not on {architecture}: the C constants and struct layouts it passes to libc are known only for those"),
        };

        /// <summary><paramref name="x64"/> or <paramref name="arm64"/>, for this process's architecture.</summary>
        internal static int Choose(int x64, int arm64) => IsArm64 ? arm64 : x64;
    }
}
