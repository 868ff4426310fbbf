using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LibBus;
using LibBus.Nats;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace BusCli.Commands;

/// <summary>
/// <c>bus bridge PATH --server URL[,URL...] --subject SUBJECT [--direction out|in|both] [--durable NAME] ...</c>:
/// carries a bus to a NATS subject and back (<see cref="BusBridge"/>), until a signal or the bus's removal.
/// </summary>
internal static class BridgeCommand
{
    public static Command Create()
    {
        var path = CommonOptions.Path();
        var server = new Option<string>("--server", "-s")
        {
            Description = "NATS servers, comma-separated: nats://HOST:PORT (also tls://, ws://, wss://).",
            HelpName = "URL[,URL...]",
            Required = true,
            CustomParser = result => Checked(result, NatsNames.CheckServers),
        };
        var subject = new Option<string>("--subject")
        {
            Description = "The NATS subject the messages travel on (no wildcards); the same on every node.",
            HelpName = "SUBJECT",
            Required = true,
            CustomParser = result => Checked(result, s => { NatsNames.CheckSubject(s); return s; }),
        };
        var direction = new Option<string>("--direction", "-d")
        {
            Description = "out: this bus to NATS; in: NATS to this bus; both (the default).",
            HelpName = "out|in|both",
            DefaultValueFactory = _ => "both",
            CustomParser = result =>
            {
                string text = result.Tokens[0].Value;
                if (text is "out" or "in" or "both") return text;
                result.AddError($"--direction: '{text}' is not out, in or both");
                return "both";
            },
        };
        var durable = new Option<string?>("--durable")
        {
            Description = "Go through JetStream with this node's durable consumer NAME (one name per node; letters, digits, " +
                          "'-', '_', '.': a host name will do): each message is acknowledged after the local broadcast returned, " +
                          "so a restarted bridge catches up.",
            HelpName = "NAME",
            CustomParser = result => Checked(result, s => { NatsNames.ConsumerName(s); return s; }),
        };
        var stream = new Option<string?>("--stream")
        {
            Description = "With --durable: the JetStream stream (made if missing); default BUS_ and the subject, '.' made '_'.",
            HelpName = "NAME",
            CustomParser = result => Checked(result, s => { NatsNames.CheckName(s, "stream name"); return s; }),
        };
        var replicas = new Option<int>("--replicas")
        {
            Description = "With --durable: replicas of a stream the bridge makes, 1 to 5 (3 to outlive a server of a cluster).",
            HelpName = "N",
            DefaultValueFactory = _ => 1,
            CustomParser = result =>
            {
                string text = result.Tokens[0].Value;
                if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n is >= 1 and <= 5) return n;
                result.AddError($"--replicas: '{text}' is not a whole number from 1 to 5");
                return 1;
            },
        };
        var user = new Option<string?>("--user") { Description = "User name for NATS (with --password-file).", HelpName = "USER" };
        var passwordFile = new Option<string?>("--password-file") { Description = "Read the NATS password from FILE (never from the command line).", HelpName = "FILE" };
        var tokenFile = new Option<string?>("--token-file") { Description = "Read a NATS token from FILE.", HelpName = "FILE" };
        var creds = new Option<string?>("--creds") { Description = "A NATS credentials file (user JWT and NKey seed).", HelpName = "FILE" };
        var tlsCa = new Option<string?>("--tls-ca") { Description = "Verify the servers against the CA certificates in FILE (PEM).", HelpName = "FILE" };
        var tlsCert = new Option<string?>("--tls-cert") { Description = "Client certificate for TLS (PEM), with --tls-key.", HelpName = "FILE" };
        var tlsKey = new Option<string?>("--tls-key") { Description = "Client key for TLS (PEM), with --tls-cert.", HelpName = "FILE" };
        var stats = new Option<TimeSpan?>("--stats")
        {
            Description = "Print the counters on stdout every INTERVAL (500ms, 10s, 1m); SIGUSR1 prints them at any time.",
            HelpName = "INTERVAL",
            CustomParser = result =>
            {
                string text = result.Tokens[0].Value;
                if (!DurationParser.TryParse(text, out TimeSpan interval, out string error)) result.AddError("--stats: " + error);
                else if (interval == TimeSpan.Zero) result.AddError($"--stats: '{text}' must be more than 0");
                else return interval;
                return null;
            },
        };
        var readyFile = CommonOptions.ReadyFile(
            "Once bridging (listening on the bus and subscribed on NATS), write this process's id and a newline " +
            "to FILE, as 'bus listen --ready-file' does.");

        var command = new Command("bridge",
            "Bridge a bus to a NATS subject, so that its messages reach the buses of other machines bridged to the same " +
            "subject, and theirs reach it. Out: the bridge listens on the bus and publishes each message; in: it broadcasts " +
            "each message of another node on the bus, one at a time, returning once every local listener copied it. " +
            "Nothing loops or comes back. Plain NATS is at most once; --durable goes through JetStream. " +
            "Keeps running while NATS is down (plain: up to 4096 messages wait, then new ones are dropped and counted; " +
            "--durable: then it holds local broadcasters until NATS confirms a publish, and says so on stderr). " +
            "SIGINT, SIGTERM, SIGHUP stop it cleanly; SIGUSR1 prints the counters, which are printed again when it ends. " +
            "Messages from NATS that are not bus messages (over 2047 bytes, or with a NUL) are counted as rejected and reported on stderr. " +
            "Exit status: 1 failure (including a removed bus, refused credentials, no JetStream for --durable, or another bridge " +
            "on the same bus), 2 bad command line, 128+N ended by signal N.")
        {
            server, subject, direction, durable, stream, replicas, user, passwordFile, tokenFile, creds,
            tlsCa, tlsCert, tlsKey, stats, readyFile, path,
        };
        command.Validators.Add(result =>
        {
            bool password = result.GetResult(user) is not null || result.GetResult(passwordFile) is not null;
            int ways = (password ? 1 : 0) + (result.GetResult(tokenFile) is not null ? 1 : 0) + (result.GetResult(creds) is not null ? 1 : 0);
            if (ways > 1) result.AddError("use one of --user/--password-file, --token-file and --creds");
            else if (password && (result.GetResult(user) is null || result.GetResult(passwordFile) is null))
                result.AddError("--user and --password-file go together");
            else if ((result.GetResult(tlsCert) is null) != (result.GetResult(tlsKey) is null))
                result.AddError("--tls-cert and --tls-key go together");
            else if (result.GetResult(durable) is null && (result.GetResult(stream) is not null || result.GetResult(replicas) is { Implicit: false }))
                result.AddError("--stream and --replicas need --durable");
        });
        command.SetAction(result => Run(result.Stdout(), result.Stderr(), new BridgeSettings(
            result.GetValue(path)!,
            result.GetValue(server)!,
            result.GetValue(subject)!,
            result.GetValue(direction) switch { "out" => BridgeDirection.Out, "in" => BridgeDirection.In, _ => BridgeDirection.Both },
            result.GetValue(durable),
            result.GetValue(stream),
            result.GetValue(replicas),
            result.GetValue(user),
            result.GetValue(passwordFile),
            result.GetValue(tokenFile),
            result.GetValue(creds),
            result.GetValue(tlsCa),
            result.GetValue(tlsCert),
            result.GetValue(tlsKey),
            result.GetValue(stats),
            result.GetValue(readyFile))));
        return command;
    }

    /// <summary>A checked option value, or a parse error (exit 2) with the check's one-line reason.</summary>
    private static string Checked(ArgumentResult result, Func<string, string> check)
    {
        string text = result.Tokens[0].Value;
        try
        {
            return check(text);
        }
        catch (ArgumentException e)
        {
            string option = ((OptionResult)result.Parent!).Option.Name;
            result.AddError($"{option}: {e.Message[..(e.Message.IndexOf(" (Parameter", StringComparison.Ordinal) is var i and >= 0 ? i : e.Message.Length)]}");
            return text;
        }
    }

    /// <summary>Runs the bridge; the NATS client is only loaded from here on, never for the other verbs.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static int Run(TextWriter stdout, TextWriter stderr, BridgeSettings settings)
    {
        string path = settings.Path;
        if (MissingLibssl() is { } missing)
        {
            // Else the runtime prints "No usable version of libssl was found" and aborts (134) at the first random number.
            CliErrors.Write(stderr, path, $"bus bridge needs OpenSSL: {missing}");
            return ExitCodes.Failure;
        }
        using var stop = new StopSignals(SignalPolicy.Cancel);
        // SIGUSR1 prints the counters from the start on (zeros until the bridge runs), never ends the process.
        var counters = new CounterPrinter(stdout);
        using PosixSignalRegistration usr1 = StopSignals.Handle((PosixSignal)Interop.Libc.SIGUSR1, context =>
        {
            context.Cancel = true;
            counters.Print();
        });
        try
        {
            // Reading a secret may block for ever (a FIFO nobody writes): a stop signal ends the wait,
            // and the reading thread, a background one, with the process.
            NatsOpts options = Task.Run(settings.NatsOptions).WaitAsync(stop.Token).GetAwaiter().GetResult();
            BusAccess access = settings.Direction switch
            {
                BridgeDirection.Out => BusAccess.Listen,
                BridgeDirection.In => BusAccess.Broadcast,
                _ => BusAccess.ListenAndBroadcast,
            };
            using Bus bus = Bus.Open(path, access);
            return RunAsync(stderr, settings, bus, options, stop, counters).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (stop.Token.IsCancellationRequested)
        {
            return ExitCodes.Signal(stop.Received);
        }
        catch (BusBridgeConflictException e)
        {
            CliErrors.Write(stderr, path, e.Message);
            return ExitCodes.Failure;
        }
        catch (NatsNoRespondersException) when (settings.Durable is not null)
        {
            CliErrors.Write(stderr, path, $"NATS at {NatsNames.Redact(settings.Servers)} has no JetStream, which --durable needs (nats-server -js)");
            return ExitCodes.Failure;
        }
        catch (NatsJSApiException e)
        {
            CliErrors.Write(stderr, path, $"JetStream refused: {e.Error.Description} (code {e.Error.Code}, error {e.Error.ErrCode})");
            return ExitCodes.Failure;
        }
        catch (NatsException e)
        {
            CliErrors.Write(stderr, path, $"NATS at {NatsNames.Redact(settings.Servers)}: {Redacted(Reason(e), settings)}");
            return ExitCodes.Failure;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            CliErrors.Write(stderr, path, e.Message);
            return ExitCodes.Failure;
        }
        catch (Exception e) when (e is BusException or CliException)
        {
            return CliErrors.Report(stderr, path, e);
        }
        finally
        {
            counters.PrintIfBridged();
        }
    }

    private static async Task<int> RunAsync(TextWriter stderr, BridgeSettings settings, Bus bus, NatsOpts options, StopSignals stop, CounterPrinter counters)
    {
        await using NatsConnection connection = await ConnectAsync(stderr, settings, options, stop.Token).ConfigureAwait(false);
        using var bridge = new BusBridge(bus, connection, new BusBridgeOptions
        {
            Subject = settings.Subject,
            Direction = settings.Direction,
            Durable = settings.Durable,
            Stream = settings.Stream,
            StreamReplicas = settings.Replicas,
        });
        counters.Bridged(bridge.Counters);
        using var timer = settings.Stats is { } interval ? new Timer(_ => counters.Print(), null, interval, interval) : null;
        var rejections = new RejectionReport(stderr, settings.Path, bridge.Counters);
        var holds = new HoldReport(stderr, settings.Path);
        bridge.HoldStarted += (_, hold) => holds.Started(hold.Unconfirmed, hold.Waiting);
        bridge.HoldEnded += (_, hold) => holds.Ended(hold.Held, hold.Waiting);
        using var reportTimer = new Timer(_ =>
        {
            rejections.Check();
            holds.Check();
        }, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));

        Task running = bridge.RunAsync(stop.Token);
        await Task.WhenAny(bridge.Ready, running).ConfigureAwait(false);
        // Removed when the bridge ends (a regular file; see BusReadyFile).
        using BusReadyFile? ready = bridge.Ready.IsCompletedSuccessfully && settings.ReadyFile is { } file
            ? BusReadyFile.Announce(file, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n")
            : null;
        try
        {
            await running.ConfigureAwait(false); // ends only by a signal or a failure
        }
        finally
        {
            rejections.Check(force: true);
            holds.Check(ending: true);
        }
        return ExitCodes.Failure;
    }

    /// <summary>
    /// Connects, retrying with backoff while no server can be reached (say so once); refused
    /// credentials end the command.
    /// </summary>
    private static async Task<NatsConnection> ConnectAsync(TextWriter stderr, BridgeSettings settings, NatsOpts options, CancellationToken token)
    {
        TimeSpan backoff = TimeSpan.FromMilliseconds(100);
        bool told = false;
        while (true)
        {
            var connection = new NatsConnection(options);
            try
            {
                await connection.ConnectAsync().AsTask().WaitAsync(token).ConfigureAwait(false);
                if (told) CliErrors.Write(stderr, settings.Path, "connected to NATS");
                return connection;
            }
            catch (NatsException e) when (!IsRefusal(e))
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                if (!told)
                {
                    CliErrors.Write(stderr, settings.Path, $"cannot reach NATS at {NatsNames.Redact(settings.Servers)}: {Redacted(Reason(e), settings)}; retrying");
                    told = true;
                }
                await Task.Delay(backoff, token).ConfigureAwait(false);
                backoff = backoff * 2 < options.ReconnectWaitMax ? backoff * 2 : options.ReconnectWaitMax;
            }
            catch
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
    }

    /// <summary>
    /// Null if libssl can be loaded as .NET's OpenSSL shim loads it (the version that
    /// <c>DOTNET_OPENSSL_VERSION_OVERRIDE</c> names, else <c>libssl.so.3</c> or <c>libssl.so.1.1</c>);
    /// else why not. The NATS client and TLS need it; no other verb loads it.
    /// </summary>
    private static string? MissingLibssl()
    {
        string? version = Environment.GetEnvironmentVariable("DOTNET_OPENSSL_VERSION_OVERRIDE")
                          ?? Environment.GetEnvironmentVariable("CLR_OPENSSL_VERSION_OVERRIDE");
        string[] names = version is { Length: > 0 } ? ["libssl.so." + version] : ["libssl.so.3", "libssl.so.1.1"];
        foreach (string name in names)
        {
            if (!NativeLibrary.TryLoad(name, out IntPtr handle)) continue;
            NativeLibrary.Free(handle);
            return null;
        }
        return $"cannot load {string.Join(" or ", names)} (install OpenSSL, for example the Debian package libssl3)";
    }

    private static bool IsRefusal(NatsException e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
            if (x.Message.Contains("authorization", StringComparison.OrdinalIgnoreCase)
                || x.Message.Contains("authentication", StringComparison.OrdinalIgnoreCase))
                return true;
        return false;
    }

    /// <summary>The innermost cause: NATS.Net wraps "Authorization Violation" in "can not start to connect".</summary>
    private static string Reason(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e.Message;
    }

    /// <summary><paramref name="message"/> with the server list's user information (passwords, tokens) hidden.</summary>
    private static string Redacted(string message, BridgeSettings settings)
    {
        foreach (string url in settings.Servers.Split(','))
            message = message.Replace(url, NatsNames.Redact(url), StringComparison.Ordinal);
        return message;
    }

    /// <summary>Prints the counter line on stdout: for SIGUSR1 and --stats at any stage, and once when the bridge ends.</summary>
    private sealed class CounterPrinter(TextWriter stdout)
    {
        private readonly Lock _lock = new();
        private BusBridgeCounters? _counters;

        public void Bridged(BusBridgeCounters counters) => Volatile.Write(ref _counters, counters);

        public void Print()
        {
            lock (_lock)
            {
                try
                {
                    // Before the bridge runs (still connecting), nothing has been carried yet.
                    stdout.WriteLine(Volatile.Read(ref _counters)?.ToString()
                                     ?? "forwarded-out 0 forwarded-in 0 dropped 0 rejected 0 redelivered 0 reconnects 0 holds 0");
                    stdout.Flush();
                }
                catch (IOException)
                {
                }
            }
        }

        public void PrintIfBridged()
        {
            if (Volatile.Read(ref _counters) is not null) Print();
        }
    }

    /// <summary>
    /// Says on stderr that messages from NATS were rejected (over 2047 bytes, or with a NUL): at most
    /// one line every 10 s, counting those since the last line.
    /// </summary>
    private sealed class RejectionReport(TextWriter stderr, string path, BusBridgeCounters counters)
    {
        private static readonly TimeSpan Every = TimeSpan.FromSeconds(10);
        private readonly Lock _lock = new();
        private long _tooLong, _nul;
        private DateTime _last = DateTime.MinValue;

        public void Check(bool force = false)
        {
            lock (_lock)
            {
                long tooLong = counters.RejectedTooLong - _tooLong, nul = counters.RejectedNul - _nul;
                if (tooLong + nul == 0 || (!force && DateTime.UtcNow - _last < Every)) return;
                _tooLong += tooLong;
                _nul += nul;
                _last = DateTime.UtcNow;
                CliErrors.Write(stderr, path, string.Create(CultureInfo.InvariantCulture,
                    $"rejected {tooLong + nul} messages from NATS that are not bus messages ({tooLong} over 2047 bytes, {nul} with a NUL)"));
            }
        }
    }
}

/// <summary>What <c>bus bridge</c> was asked to do.</summary>
internal sealed record BridgeSettings(
    string Path,
    string Servers,
    string Subject,
    BridgeDirection Direction,
    string? Durable = null,
    string? Stream = null,
    int Replicas = 1,
    string? User = null,
    string? PasswordFile = null,
    string? TokenFile = null,
    string? Creds = null,
    string? TlsCa = null,
    string? TlsCert = null,
    string? TlsKey = null,
    TimeSpan? Stats = null,
    string? ReadyFile = null)
{
    /// <summary>The client's options: servers, credentials (secrets read from their files here), TLS, and reconnection for ever.</summary>
    /// <exception cref="IOException">A secret's file cannot be read, or is empty.</exception>
    public NatsOpts NatsOptions()
    {
        NatsAuthOpts auth = NatsAuthOpts.Default;
        if (User is not null) auth = auth with { Username = User, Password = Secret(PasswordFile!, "password") };
        if (TokenFile is not null) auth = auth with { Token = Secret(TokenFile, "token") };
        if (Creds is not null)
        {
            Secret(Creds, "credentials"); // readable now, not at the first reconnect
            auth = auth with { CredsFile = Creds };
        }
        NatsTlsOpts tls = NatsTlsOpts.Default;
        if (TlsCa is not null) tls = tls with { CaFile = TlsCa };
        if (TlsCert is not null) tls = tls with { CertFile = TlsCert, KeyFile = TlsKey };
        return NatsOpts.Default with
        {
            Url = Servers,
            Name = "bus bridge " + Path,
            AuthOpts = auth,
            TlsOpts = tls,
            MaxReconnectRetry = -1,
            ReconnectWaitMin = TimeSpan.FromMilliseconds(100),
            ReconnectWaitMax = TimeSpan.FromSeconds(5),
            ReconnectJitter = TimeSpan.FromMilliseconds(100),
        };
    }

    /// <summary>The first line of <paramref name="file"/>, which holds a secret: never shown.</summary>
    private static string Secret(string file, string what)
    {
        string text;
        try
        {
            text = File.ReadAllText(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot read the {what} file {file}: {e.Message}", e);
        }
        string secret = text.Split('\n')[0].TrimEnd('\r');
        if (secret.Length == 0) throw new IOException($"the {what} file {file} is empty");
        return secret;
    }
}
