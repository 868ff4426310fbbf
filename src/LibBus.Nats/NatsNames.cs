namespace LibBus.Nats;

/// <summary>Checks of the names a bridge hands to NATS: subjects, server URLs, stream and consumer names.</summary>
public static class NatsNames
{
    /// <summary>
    /// A subject a bridge publishes on and subscribes to: dot-separated tokens, none empty, no
    /// whitespace, no wildcard token (<c>*</c>, <c>&gt;</c>), at most 255 bytes.
    /// </summary>
    /// <exception cref="ArgumentException">Why the subject is not usable; the message quotes it.</exception>
    public static void CheckSubject(string subject)
    {
        ArgumentNullException.ThrowIfNull(subject);
        string? why = subject.Length == 0 ? "it is empty"
            : System.Text.Encoding.UTF8.GetByteCount(subject) > 255 ? "it is longer than 255 bytes"
            : subject.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)) ? "it contains whitespace or a control character"
            : subject.Split('.').Any(t => t.Length == 0) ? "it has an empty token (a leading, trailing or double '.')"
            : subject.Split('.').Any(t => t is "*" or ">") ? "a bridge's subject cannot have a wildcard ('*' or '>')"
            : null;
        if (why is not null) throw new ArgumentException($"bad NATS subject '{subject}': {why}", nameof(subject));
    }

    /// <summary>A stream or consumer name: letters, digits, '-' and '_', at most 64 characters.</summary>
    /// <exception cref="ArgumentException">The name is not usable.</exception>
    public static void CheckName(string name, string what)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length is 0 or > 64 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            throw new ArgumentException($"bad {what} '{name}': use 1 to 64 letters, digits, '-' or '_'", nameof(name));
    }

    /// <summary>
    /// The JetStream consumer name for a durable name: letters, digits, '-', '_' and '.' (so that a
    /// fully qualified host name will do), at most 64 characters, each '.' made '_' (a consumer name
    /// has no '.'). <c>a.b</c> and <c>a_b</c> name the same consumer.
    /// </summary>
    /// <exception cref="ArgumentException">The durable name is not usable.</exception>
    public static string ConsumerName(string durable)
    {
        ArgumentNullException.ThrowIfNull(durable);
        if (durable.Length is 0 or > 64 || !durable.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            throw new ArgumentException($"bad durable name '{durable}': use 1 to 64 letters, digits, '-', '_' or '.'", nameof(durable));
        return durable.Replace('.', '_');
    }

    /// <summary>The stream a durable bridge uses when none is named: BUS_ and the subject, '.' made '_'.</summary>
    public static string DefaultStream(string subject)
    {
        string name = "BUS_" + new string(subject.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray());
        return name.Length <= 64 ? name : name[..64];
    }

    /// <summary>
    /// Checks a comma-separated list of server URLs (<c>nats://HOST:PORT</c>, also <c>tls://</c>,
    /// <c>ws://</c>, <c>wss://</c>) and returns it normalized for <c>NatsOpts.Url</c>.
    /// </summary>
    /// <exception cref="ArgumentException">A URL is bad; the message shows it without any password or token in it.</exception>
    public static string CheckServers(string servers)
    {
        ArgumentNullException.ThrowIfNull(servers);
        string[] urls = servers.Split(',', StringSplitOptions.TrimEntries);
        foreach (string url in urls)
        {
            string? why = null;
            if (url.Length == 0) why = "it is empty";
            else if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || !url.Contains("://", StringComparison.Ordinal))
                why = "not a URL such as nats://HOST:PORT";
            else if (uri.Scheme is not ("nats" or "tls" or "ws" or "wss"))
                why = $"scheme '{uri.Scheme}' is not nats, tls, ws or wss";
            else if (uri.Host.Length == 0) why = "it has no host";
            else if (uri.AbsolutePath is not ("" or "/") || uri.Query.Length > 0 || uri.Fragment.Length > 0)
                why = "a server URL has no path, query or fragment";
            if (why is not null) throw new ArgumentException($"bad NATS server URL '{Redact(url)}': {why}", nameof(servers));
        }
        return string.Join(',', urls);
    }

    /// <summary><paramref name="url"/> with any user information (user, password, token) replaced by <c>***</c>.</summary>
    public static string Redact(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        int scheme = url.IndexOf("://", StringComparison.Ordinal);
        int start = scheme < 0 ? 0 : scheme + 3;
        int at = url.LastIndexOf('@');
        return at < start ? url : url[..start] + "***" + url[at..];
    }
}
