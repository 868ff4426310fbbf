using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using LibBus;

namespace BusCli.Commands;

/// <summary><c>bus status [--json] PATH</c>.</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var json = CommonOptions.Json(JsonDescription);
        var path = CommonOptions.Path();
        var command = new Command("status",
            "Show what a bus is doing: alive or stale, listeners joined, a delivery in progress and how many " +
            "listeners still hold it, broadcasters waiting, owner, group and mode of the key file and both objects, " +
            "keys and ids, last operation and last change times. Reading the status never changes the bus " +
            "(bus-status(1) maps each field to the semaphores). " +
            "Exit status: 0 shown (a stale bus too), 1 failure (no key file, not a bus, permission denied), 2 bad command line.")
        {
            json,
            path,
        };
        command.SetAction(result => Run(result.Stdout(), result.Stderr(), result.GetValue(path)!, result.GetValue(json)));
        return command;
    }

    /// <summary>What <c>--json</c> does here and in list.</summary>
    internal const string JsonDescription = "Print JSON with the stable field names documented in bus(1) instead of text.";

    public static int Run(TextWriter stdout, TextWriter stderr, string path, bool json)
    {
        try
        {
            BusStatus status = Bus.GetStatus(path);
            if (json)
                WriteJson(stdout, writer => WriteStatus(writer, status));
            else
                WriteText(stdout, status);
            stdout.Flush();
            return ExitCodes.Success;
        }
        catch (Exception e)
        {
            return CliErrors.Report(stderr, path, e);
        }
    }

    /// <summary>Runs <paramref name="write"/> on an indented JSON writer and ends the text with a newline.</summary>
    internal static void WriteJson(TextWriter stdout, Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
            write(writer);
        stdout.Write(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
        stdout.Write('\n');
    }

    /// <summary>The state as bus(1) names it: alive, stale, partial, unreadable, other-namespace or untrusted.</summary>
    internal static string StateName(BusState state) => state switch
    {
        BusState.Alive => "alive",
        BusState.Stale => "stale",
        BusState.Partial => "partial",
        BusState.OtherNamespace => "other-namespace",
        BusState.Untrusted => "untrusted",
        _ => "unreadable",
    };

    private static string Mode(int mode) => "0" + Convert.ToString(mode, 8).PadLeft(3, '0');

    private static string? Time(DateTimeOffset? time)
        => time?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static void WriteStatus(Utf8JsonWriter w, BusStatus s)
    {
        w.WriteStartObject();
        HumanText.WriteName(w, "path", s.Path);
        w.WriteString("state", StateName(s.State));
        w.WriteNumber("semaphore_key", s.Keys.SemaphoreKey);
        w.WriteNumber("segment_key", s.Keys.SegmentKey);
        Number(w, "listeners_joined", s.ListenersJoined);
        Number(w, "listeners_waiting_for_message", s.ListenersWaitingForMessage);
        if (s.DeliveryInProgress is { } delivering) w.WriteBoolean("delivery_in_progress", delivering);
        else w.WriteNull("delivery_in_progress");
        Number(w, "listeners_holding_delivery", s.ListenersHoldingDelivery);
        Number(w, "broadcasters_waiting", s.BroadcastersWaiting);
        if (s.Locked is { } locked) w.WriteBoolean("locked", locked);
        else w.WriteNull("locked");
        if (s.Corruption is { } corruption) w.WriteString("corruption", corruption);
        else w.WriteNull("corruption");

        w.WriteStartObject("key_file");
        Ownership(w, s.KeyFile);
        w.WriteEndObject();

        if (s.SemaphoreArray is { } sem)
        {
            w.WriteStartObject("semaphore_array");
            w.WriteNumber("id", sem.Id);
            Ownership(w, sem.Ownership);
            TimeField(w, "last_operation", sem.LastOperation);
            TimeField(w, "last_change", sem.LastChange);
            w.WriteStartObject("semaphores");
            foreach (BusSemaphore one in sem.Semaphores)
            {
                w.WriteStartObject(one.Name);
                w.WriteNumber("value", one.Value);
                w.WriteNumber("waiting_for_increase", one.WaitingForIncrease);
                w.WriteNumber("waiting_for_zero", one.WaitingForZero);
                w.WriteEndObject();
            }
            w.WriteEndObject();
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("semaphore_array");
        }

        if (s.Segment is { } seg)
        {
            w.WriteStartObject("segment");
            w.WriteNumber("id", seg.Id);
            Ownership(w, seg.Ownership);
            w.WriteNumber("attached", seg.Attached);
            w.WriteNumber("creator_pid", seg.CreatorPid);
            w.WriteNumber("last_pid", seg.LastPid);
            TimeField(w, "last_attach", seg.LastAttach);
            TimeField(w, "last_detach", seg.LastDetach);
            TimeField(w, "last_change", seg.LastChange);
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("segment");
        }
        w.WriteEndObject();
    }

    internal static void Number(Utf8JsonWriter w, string name, int? value)
    {
        if (value is { } v) w.WriteNumber(name, v);
        else w.WriteNull(name);
    }

    private static void TimeField(Utf8JsonWriter w, string name, DateTimeOffset? time)
    {
        if (Time(time) is { } text) w.WriteString(name, text);
        else w.WriteNull(name);
    }

    private static void Ownership(Utf8JsonWriter w, BusOwnership o)
    {
        w.WriteNumber("uid", o.Uid);
        w.WriteNumber("gid", o.Gid);
        w.WriteString("mode", Mode((int)o.Mode));
    }

    private static void WriteText(TextWriter o, BusStatus s)
    {
        o.WriteLine($"path:             {HumanText.Name(s.Path)}");
        o.WriteLine(s.Corruption is { } corruption
            ? $"state:            corrupt ({corruption}: not a sound bus; 'bus remove' it and create it again)"
            : $"state:            {StateName(s.State)}{StateNote(s.State)}");
        if (s.SemaphoreArray is { } sem)
        {
            o.WriteLine($"listeners:        {s.ListenersJoined} joined, {s.ListenersWaitingForMessage} waiting for a message");
            o.WriteLine(s.DeliveryInProgress == true
                ? $"delivery:         in progress, {s.ListenersHoldingDelivery} listener(s) have not acknowledged it yet"
                : "delivery:         none in progress");
            o.WriteLine($"broadcasters:     {s.BroadcastersWaiting} waiting; lock {(s.Corruption is not null ? "corrupt" : s.Locked == true ? "held" : "free")}");
        }
        o.WriteLine($"key file:         keys {s.Keys.SemaphoreKey} (semaphores) and {s.Keys.SegmentKey} (segment); {Owner(s.KeyFile)}");
        if (s.SemaphoreArray is { } array)
        {
            o.WriteLine($"semaphore array:  id {array.Id}, {Owner(array.Ownership)}");
            o.WriteLine($"                  last operation {Time(array.LastOperation) ?? "never"}, last change {Time(array.LastChange)}");
            o.WriteLine("                  " + string.Join(" ", array.Semaphores.Select(x =>
                $"{x.Name}={x.Value}" + (x.WaitingForIncrease + x.WaitingForZero > 0 ? $"(P:{x.WaitingForIncrease},Z:{x.WaitingForZero})" : ""))));
        }
        else
        {
            o.WriteLine("semaphore array:  gone");
        }
        if (s.Segment is { } seg)
        {
            o.WriteLine($"segment:          id {seg.Id}, {Owner(seg.Ownership)}, {seg.Attached} attached, created by pid {seg.CreatorPid}");
            o.WriteLine($"                  last attach {Time(seg.LastAttach) ?? "never"}, last detach {Time(seg.LastDetach) ?? "never"}, last change {Time(seg.LastChange)}");
        }
        else
        {
            o.WriteLine("segment:          gone");
        }
    }

    private static string StateNote(BusState state) => state switch
    {
        BusState.Stale => " (the key file is left but both objects are gone: 'bus create' replaces it, 'bus gc' removes it)",
        BusState.Partial => " (one object is gone: the bus cannot be used; 'bus remove' it)",
        _ => "",
    };

    private static string Owner(BusOwnership o) => $"uid {o.Uid}, gid {o.Gid}, mode {Mode((int)o.Mode)}";
}
