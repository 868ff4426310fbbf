namespace LibBus;

internal static partial class Interop
{
    /// <summary>Names of the native libraries LibBus calls into.</summary>
    internal static class Libraries
    {
        internal const string Libc = "libc";
    }
}
