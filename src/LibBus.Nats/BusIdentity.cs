using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace LibBus.Nats;

/// <summary>
/// A name for a bus that is the same for every process using it and different for every other bus:
/// the machine's boot (<c>/proc/sys/kernel/random/boot_id</c>), the IPC namespace and the bus's two keys,
/// hashed (24 hexadecimal digits), so that nothing about the machine is published.
/// </summary>
internal static class BusIdentity
{
    public static string Of(Bus bus)
    {
        BusKeys keys = bus.Keys;
        string text = string.Join('\n', Read("/proc/sys/kernel/random/boot_id") ?? Environment.MachineName,
            Link("/proc/self/ns/ipc") ?? "",
            keys.SemaphoreKey.ToString(CultureInfo.InvariantCulture), keys.SegmentKey.ToString(CultureInfo.InvariantCulture));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, 12));
    }

    private static string? Read(string file)
    {
        try
        {
            return File.ReadAllText(file).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string? Link(string link)
    {
        try
        {
            return File.ResolveLinkTarget(link, returnFinalTarget: false)?.LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
