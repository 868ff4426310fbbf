using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using LibBus.Hosting;
using LibBus.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LibBus.Hosting.Tests;

/// <summary>
/// A test's temporary directory, the hosts it built (stopped and disposed at the end), the
/// log lines and metric measurements they produced. Dispose removes every bus in the
/// directory and fails the test if an IPC object made during it is left.
/// </summary>
public sealed class HostFixture : IDisposable
{
    private readonly IpcScope _ipc = new();
    private readonly List<IHost> _hosts = [];
    private readonly MeterListener _meters = new();

    public HostFixture()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("libbus-hosting-test-").FullName;
        _meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == BusMetrics.MeterName) listener.EnableMeasurementEvents(instrument);
        };
        _meters.SetMeasurementEventCallback<long>((i, value, tags, _) => Measurements.Enqueue((i.Name, value, Path(tags))));
        _meters.SetMeasurementEventCallback<double>((i, value, tags, _) => Measurements.Enqueue((i.Name, value, Path(tags))));
        _meters.Start();
    }

    public string Directory { get; }

    public string PathFor(string name) => System.IO.Path.Combine(Directory, name);

    /// <summary>Every log line of the hosts, "Level Category: message", with the exception's message.</summary>
    public ConcurrentQueue<string> Logs { get; } = new();

    /// <summary>Every LibBus measurement: instrument, value, bus path tag.</summary>
    public ConcurrentQueue<(string Instrument, double Value, string? Path)> Measurements { get; } = new();

    public double Sum(string instrument) => Measurements.Where(m => m.Instrument == instrument).Sum(m => m.Value);
    public int Count(string instrument) => Measurements.Count(m => m.Instrument == instrument);

    public bool Logged(string text) => Logs.Any(l => l.Contains(text, StringComparison.Ordinal));

    /// <summary>A host (not started) with the bus at <paramref name="path"/>, capturing logs.</summary>
    public IHost Build(string path, Action<BusOptions>? configure = null, Action<IServiceCollection>? services = null)
        => Build(builder =>
        {
            builder.Services.AddBus(o =>
            {
                o.Path = path;
                configure?.Invoke(o);
            });
            services?.Invoke(builder.Services);
        });

    /// <summary>A host (not started) as <paramref name="configure"/> makes it, capturing logs.</summary>
    public IHost Build(Action<HostApplicationBuilder> configure)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Logging.AddProvider(new CapturingProvider(Logs));
        configure(builder);
        IHost host = builder.Build();
        _hosts.Add(host);
        return host;
    }

    public void Dispose()
    {
        foreach (IHost host in _hosts)
        {
            try { host.StopAsync(TimeSpan.FromSeconds(20)).GetAwaiter().GetResult(); } catch (Exception) { }
            host.Dispose();
        }
        _meters.Dispose();
        foreach (string file in System.IO.Directory.EnumerateFiles(Directory))
        {
            _ipc.AddKeyFile(file);
            try { Bus.Remove(file); } catch (BusException) { }
        }
        System.IO.Directory.Delete(Directory, recursive: true);
        string leaked = _ipc.DescribeLeaks();
        Assert.True(leaked.Length == 0, leaked);
    }

    private static string? Path(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var tag in tags)
            if (tag.Key == BusMetrics.PathTag) return tag.Value as string;
        return null;
    }

    private sealed class CapturingProvider(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, lines);
        public void Dispose() { }

        private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => true;
            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
                => lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : $" [{exception.GetType().Name}: {exception.Message}]")}");
        }
    }
}
