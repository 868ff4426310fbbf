using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace LibBus.Nats.Tests.Infrastructure;

/// <summary>
/// A NATS client written for the tests from the protocol text alone (INFO, CONNECT, PUB, HPUB,
/// SUB, MSG, HMSG, PING, PONG, -ERR), sharing no code with NATS.Net or LibBus.Nats, so that the
/// bridge is checked by a peer that is not itself. JetStream through its API subjects
/// (<c>$JS.API.…</c>) as plain requests with reply inboxes. One TCP connection, a reader thread;
/// every wait has a timeout. Connects with <c>echo: false</c>: it never receives its own publishes.
/// </summary>
internal sealed class RawNatsPeer : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly BufferedStream _in;
    private readonly Lock _write = new();
    private readonly Lock _state = new();
    private readonly Dictionary<int, List<Message>> _subscriptions = [];
    private readonly Queue<TaskCompletionSource> _pongs = new();
    private readonly Thread _reader;
    private readonly string _inbox = "_INBOX.raw" + Guid.NewGuid().ToString("N");
    private int _nextSid;
    private int _nextRequest;
    private int _inboxSid;
    private readonly Dictionary<string, TaskCompletionSource<Message>> _requests = [];
    private volatile string? _error;

    /// <summary>A message as the server delivered it: subject, reply subject, headers (the raw NATS/1.0 block parsed), payload.</summary>
    public sealed record Message(string Subject, string? Reply, IReadOnlyDictionary<string, string> Headers, byte[] Payload)
    {
        public string Text => Encoding.UTF8.GetString(Payload);
    }

    public RawNatsPeer(int port)
    {
        _tcp = new TcpClient { NoDelay = true };
        _tcp.Connect("127.0.0.1", port);
        _stream = _tcp.GetStream();
        _in = new BufferedStream(_stream, 1 << 16);
        _stream.ReadTimeout = (int)Timeout.TotalMilliseconds;
        string info = ReadLine();
        if (!info.StartsWith("INFO ", StringComparison.Ordinal)) throw new InvalidOperationException($"the server said '{info}', not INFO");
        _stream.ReadTimeout = System.Threading.Timeout.Infinite;
        Write("CONNECT {\"verbose\":false,\"pedantic\":false,\"echo\":false,\"headers\":true,\"no_responders\":true,\"protocol\":1,\"name\":\"raw test peer\",\"lang\":\"raw\",\"version\":\"0\"}\r\n");
        _reader = new Thread(ReadLoop) { IsBackground = true, Name = "raw NATS peer reader" };
        _reader.Start();
        _inboxSid = Subscribe(_inbox + ".*");
        Flush();
    }

    /// <summary>The last -ERR the server sent, if any.</summary>
    public string? Error => _error;

    /// <summary>Subscribes; the messages collect under the returned id (see <see cref="Received"/>).</summary>
    public int Subscribe(string subject)
    {
        int sid;
        lock (_state)
        {
            sid = ++_nextSid;
            _subscriptions[sid] = [];
        }
        Write($"SUB {subject} {sid}\r\n");
        return sid;
    }

    /// <summary>What subscription <paramref name="sid"/> received so far, in arrival order.</summary>
    public Message[] Received(int sid)
    {
        lock (_state) return [.. _subscriptions[sid]];
    }

    /// <summary>PUB (or HPUB with <paramref name="headers"/>).</summary>
    public void Publish(string subject, byte[] payload, IReadOnlyDictionary<string, string>? headers = null, string? reply = null)
    {
        string replyPart = reply is null ? "" : " " + reply;
        byte[] frame;
        if (headers is null || headers.Count == 0)
        {
            frame = Concat(Encoding.ASCII.GetBytes($"PUB {subject}{replyPart} {payload.Length}\r\n"), payload, "\r\n"u8.ToArray());
        }
        else
        {
            var block = new StringBuilder("NATS/1.0\r\n");
            foreach ((string key, string value) in headers) block.Append(key).Append(": ").Append(value).Append("\r\n");
            block.Append("\r\n");
            byte[] head = Encoding.UTF8.GetBytes(block.ToString());
            frame = Concat(Encoding.ASCII.GetBytes($"HPUB {subject}{replyPart} {head.Length} {head.Length + payload.Length}\r\n"), head, payload, "\r\n"u8.ToArray());
        }
        lock (_write) _stream.Write(frame);
    }

    public void Publish(string subject, string text, IReadOnlyDictionary<string, string>? headers = null)
        => Publish(subject, Encoding.UTF8.GetBytes(text), headers);

    /// <summary>PING, and waits for the PONG: the server has processed everything sent before.</summary>
    public void Flush()
    {
        var pong = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_write)
        {
            lock (_state) _pongs.Enqueue(pong);
            _stream.Write("PING\r\n"u8);
        }
        if (!pong.Task.Wait(Timeout)) throw new TimeoutException("no PONG from the server");
        if (_error is not null) throw new InvalidOperationException("the server said -ERR " + _error);
    }

    /// <summary>Publishes with a reply subject of this peer's inbox and waits for the one answer.</summary>
    public Message Request(string subject, byte[] payload, IReadOnlyDictionary<string, string>? headers = null)
        => RequestAsync(subject, payload, headers).WaitAsync(Timeout).GetAwaiter().GetResult();

    /// <summary>A request whose answer is awaited later (many publishes in flight, one connection: their order is kept).</summary>
    public Task<Message> RequestAsync(string subject, byte[] payload, IReadOnlyDictionary<string, string>? headers = null)
    {
        var answer = new TaskCompletionSource<Message>(TaskCreationOptions.RunContinuationsAsynchronously);
        string reply;
        lock (_state)
        {
            reply = _inbox + "." + (++_nextRequest).ToString(CultureInfo.InvariantCulture);
            _requests[reply] = answer;
        }
        Publish(subject, payload, headers, reply);
        return answer.Task;
    }

    // ---- JetStream through its API subjects ----

    /// <summary>A JetStream publish with a <c>Nats-Msg-Id</c>; the stream's acknowledgement (its sequence), awaited later.</summary>
    public Task<Message> JetStreamPublishAsync(string subject, string text, string messageId)
        => RequestAsync(subject, Encoding.UTF8.GetBytes(text), new Dictionary<string, string> { ["Nats-Msg-Id"] = messageId });

    /// <summary>The stream's sequence in a publish acknowledgement; throws on an error answer.</summary>
    public static ulong AcknowledgedSequence(Message ack)
    {
        using JsonDocument json = JsonDocument.Parse(ack.Payload);
        if (json.RootElement.TryGetProperty("error", out JsonElement error)) throw new InvalidOperationException("JetStream refused a publish: " + error);
        return json.RootElement.GetProperty("seq").GetUInt64();
    }

    /// <summary>The stream's last sequence ($JS.API.STREAM.INFO).</summary>
    public ulong StreamLastSequence(string stream)
    {
        using JsonDocument json = Api("$JS.API.STREAM.INFO." + stream, "");
        return json.RootElement.GetProperty("state").GetProperty("last_seq").GetUInt64();
    }

    /// <summary>Every message stored in the stream, in stream order ($JS.API.STREAM.MSG.GET by sequence).</summary>
    public List<Message> StreamMessages(string stream)
    {
        ulong last = StreamLastSequence(stream);
        var messages = new List<Message>();
        for (ulong seq = 1; seq <= last; seq++)
        {
            using JsonDocument json = Api("$JS.API.STREAM.MSG.GET." + stream, $"{{\"seq\":{seq}}}");
            if (json.RootElement.TryGetProperty("error", out _)) continue; // deleted or expired
            JsonElement m = json.RootElement.GetProperty("message");
            byte[] head = m.TryGetProperty("hdrs", out JsonElement h) ? Convert.FromBase64String(h.GetString()!) : [];
            byte[] data = m.TryGetProperty("data", out JsonElement d) ? Convert.FromBase64String(d.GetString()!) : [];
            messages.Add(new Message(m.GetProperty("subject").GetString()!, null, ParseHeaders(head), data));
        }
        return messages;
    }

    /// <summary>The payloads stored in <paramref name="stream"/>, in stream order, read by a peer of its own on <paramref name="port"/>.</summary>
    public static string[] StoredTexts(int port, string stream)
    {
        using var peer = new RawNatsPeer(port);
        return [.. peer.StreamMessages(stream).Select(m => m.Text)];
    }

    private JsonDocument Api(string subject, string body)
    {
        Message answer = Request(subject, Encoding.UTF8.GetBytes(body));
        if (answer.Headers.TryGetValue("Status", out string? status) && status.StartsWith("503", StringComparison.Ordinal))
            throw new InvalidOperationException($"no JetStream answers {subject}");
        return JsonDocument.Parse(answer.Payload);
    }

    public void Dispose()
    {
        _tcp.Dispose(); // the reader's read fails and it ends
        _reader.Join(Timeout);
    }

    // ---- the reader ----

    private void ReadLoop()
    {
        try
        {
            while (true)
            {
                string line = ReadLine();
                string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                switch (parts[0].ToUpperInvariant())
                {
                    case "PING":
                        lock (_write) _stream.Write("PONG\r\n"u8);
                        break;
                    case "PONG":
                        TaskCompletionSource? pong;
                        lock (_state) _pongs.TryDequeue(out pong);
                        pong?.TrySetResult();
                        break;
                    case "MSG": // MSG <subject> <sid> [reply] <size>
                    {
                        int size = Number(parts[^1]);
                        byte[] payload = ReadExactly(size);
                        Expect("\r\n"u8);
                        Deliver(parts[2], new Message(parts[1], parts.Length == 5 ? parts[3] : null, new Dictionary<string, string>(), payload));
                        break;
                    }
                    case "HMSG": // HMSG <subject> <sid> [reply] <header size> <total size>
                    {
                        int headerSize = Number(parts[^2]), total = Number(parts[^1]);
                        byte[] head = ReadExactly(headerSize);
                        byte[] payload = ReadExactly(total - headerSize);
                        Expect("\r\n"u8);
                        Deliver(parts[2], new Message(parts[1], parts.Length == 6 ? parts[3] : null, ParseHeaders(head), payload));
                        break;
                    }
                    case "-ERR":
                        _error = line;
                        break;
                    default: // INFO (cluster updates), +OK
                        break;
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException or EndOfStreamException)
        {
            // Closed.
        }
        finally
        {
            lock (_state)
            {
                foreach (TaskCompletionSource pong in _pongs) pong.TrySetException(new IOException("the connection closed"));
                foreach (TaskCompletionSource<Message> request in _requests.Values) request.TrySetException(new IOException("the connection closed"));
            }
        }
    }

    private void Deliver(string sidText, Message message)
    {
        int sid = Number(sidText);
        lock (_state)
        {
            if (sid == _inboxSid && _requests.Remove(message.Subject, out TaskCompletionSource<Message>? answer))
            {
                answer.TrySetResult(message);
                return;
            }
            if (_subscriptions.TryGetValue(sid, out List<Message>? list)) list.Add(message);
        }
    }

    /// <summary>"NATS/1.0[ status]\r\nKey: value\r\n…\r\n\r\n": the status line's code as "Status", then the headers.</summary>
    private static Dictionary<string, string> ParseHeaders(byte[] block)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (block.Length == 0) return headers;
        string[] lines = Encoding.UTF8.GetString(block).Split("\r\n");
        if (!lines[0].StartsWith("NATS/1.0", StringComparison.Ordinal)) throw new InvalidDataException($"bad header block '{lines[0]}'");
        string status = lines[0]["NATS/1.0".Length..].Trim();
        if (status.Length > 0) headers["Status"] = status;
        foreach (string line in lines.Skip(1))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0) headers[line[..colon]] = line[(colon + 1)..].Trim();
        }
        return headers;
    }

    private void Write(string text)
    {
        lock (_write) _stream.Write(Encoding.UTF8.GetBytes(text));
    }

    private string ReadLine()
    {
        var line = new MemoryStream();
        while (true)
        {
            int b = _in.ReadByte();
            if (b < 0) throw new EndOfStreamException();
            if (b == '\n' && line.Length > 0 && line.GetBuffer()[line.Length - 1] == '\r')
                return Encoding.UTF8.GetString(line.GetBuffer(), 0, (int)line.Length - 1);
            line.WriteByte((byte)b);
        }
    }

    private byte[] ReadExactly(int count)
    {
        byte[] buffer = new byte[count];
        _in.ReadExactly(buffer);
        return buffer;
    }

    private void Expect(ReadOnlySpan<byte> expected)
    {
        byte[] got = ReadExactly(expected.Length);
        if (!expected.SequenceEqual(got)) throw new InvalidDataException("the protocol is out of step");
    }

    private static int Number(string text) => int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);

    private static byte[] Concat(params byte[][] parts)
    {
        byte[] all = new byte[parts.Sum(p => p.Length)];
        int at = 0;
        foreach (byte[] part in parts)
        {
            part.CopyTo(all, at);
            at += part.Length;
        }
        return all;
    }
}
