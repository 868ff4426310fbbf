namespace LibBus.Benchmarks;

/// <summary>A bus in a private temporary directory, removed (IPC objects too) on dispose.</summary>
internal sealed class BusFixture : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("libbus-bdn.").FullName;

    internal BusFixture() => Path = Bus.Create(System.IO.Path.Combine(_directory, "bus"));

    internal string Path { get; }

    public void Dispose()
    {
        Bus.Remove(Path);
        Directory.Delete(_directory, recursive: true);
    }
}
