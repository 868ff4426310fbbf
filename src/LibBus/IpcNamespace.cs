using System.Globalization;
using System.Text;
using static LibBus.Interop.Libc;

namespace LibBus;

/// <summary>
/// The IPC namespace a key file was made in (PROTOCOL.md, "Objects", item 1): LibBus writes a
/// third line <c>ipc:[INODE]</c>, the inode of the creating process's <c>/proc/self/ns/ipc</c>
/// (as <c>readlink</c> shows it), which the C library's reader ignores with everything after the
/// second line. The same keys name other objects, or none, in another IPC namespace (a container,
/// a systemd service with <c>PrivateIPC=</c>) that shares the key file's directory, so a key file
/// of another namespace is never taken for stale, replaced or unlinked, and never opened.
/// </summary>
internal static class IpcNamespace
{
    private const string Prefix = "ipc:[";

    /// <summary>
    /// The inode of this process's IPC namespace (<c>stat /proc/self/ns/ipc</c>), or null if it
    /// cannot be read (no /proc). Read at each call: a process may change namespace.
    /// </summary>
    internal static unsafe ulong? Current()
    {
        Statx status;
        return StatxCall(AT_FDCWD, "/proc/self/ns/ipc", 0, STATX_INO, &status) == 0 && (status.Mask & STATX_INO) != 0
            ? status.Ino
            : null;
    }

    /// <summary>The line a key file made in namespace <paramref name="inode"/> ends with.</summary>
    internal static string Record(ulong inode) => Prefix + inode.ToString(CultureInfo.InvariantCulture) + "]";

    /// <summary>
    /// The namespace recorded on <paramref name="line"/> (the third line of a key file, without
    /// its <c>\n</c>): <c>ipc:[</c>, decimal digits, <c>]</c>, blanks and a <c>\r</c> around it
    /// accepted. Null for anything else: a key file without the record (written by the C library
    /// or an older LibBus), or with other text after its keys, is judged as before.
    /// </summary>
    internal static ulong? Parse(ReadOnlySpan<byte> line)
    {
        line = line.Trim(" \t\r"u8);
        if (!line.StartsWith("ipc:["u8) || !line.EndsWith("]"u8)) return null;
        ReadOnlySpan<byte> digits = line[Prefix.Length..^1];
        return digits.Length is > 0 and <= 20 && digits.IndexOfAnyExceptInRange((byte)'0', (byte)'9') < 0
               && ulong.TryParse(Encoding.ASCII.GetString(digits), NumberStyles.None, CultureInfo.InvariantCulture, out ulong inode)
            ? inode
            : null;
    }

    /// <summary>
    /// True if a key file recording <paramref name="recorded"/> may be judged from this process
    /// by what its keys name here: it records no namespace (as before), or this process's. False
    /// if it records another namespace, or one this process cannot compare with its own.
    /// </summary>
    internal static bool IsHere(ulong? recorded) => recorded is not { } inode || Current() == inode;

    /// <summary>True only if a key file recording <paramref name="recorded"/> was certainly made in another namespace than this process's.</summary>
    internal static bool IsOther(ulong? recorded) => recorded is { } inode && Current() is { } current && current != inode;

    /// <summary>
    /// Refuses a key file of another IPC namespace: its keys name that namespace's objects, which
    /// this process cannot see; what they name here (nothing, or other objects) says nothing about it.
    /// To judge it (stale, replace, remove) the namespace must be this one for sure
    /// (<see cref="IsHere"/>); only to open it (<paramref name="toOpen"/>, where the objects'
    /// own checks still apply) is a namespace this process cannot read (no /proc) let pass.
    /// </summary>
    /// <exception cref="BusNamespaceException">The key file records another namespace than this process's.</exception>
    internal static void Require(string path, ulong? recorded, string refused, bool toOpen = false)
    {
        if (toOpen ? !IsOther(recorded) : IsHere(recorded)) return;
        ulong? current = Current();
        throw new BusNamespaceException(
            $"{path}: made in another IPC namespace ({Record(recorded!.Value)}; this process is in " +
            (current is { } c ? Record(c) : "a namespace it cannot read: /proc/self/ns/ipc") +
            $"): its objects cannot be seen from here, so it is {refused}; use it from that namespace, or delete the file if that namespace is gone",
            path);
    }
}
