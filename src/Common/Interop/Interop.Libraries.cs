namespace LibBus;

internal static partial class Interop
{
    /// <summary>Names of the native libraries LibBus calls into.</summary>
    internal static class Libraries
    {
        // The exact soname: "libc" makes the runtime probe libc.so (a linker script on
        // glibc systems, which dlopen rejects) and liblibc.so in several directories first.
        internal const string Libc = "libc.so.6";
    }
}
