using BusCli.Tests.Infrastructure;

namespace BusCli.Tests;

/// <summary>
/// Issue 22, "never stuck": <c>--timeout</c> covers every wait of a verb, joining included, and
/// <c>broadcast -n</c> keeps the C command's meaning (status 3 only while another broadcaster
/// holds the bus).
/// </summary>
public sealed class DeadlineTests : IDisposable
{
    private readonly CliSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    /// <summary>
    /// A listener whose stdout is a pipe nobody reads, filled until it blocks writing: it then
    /// holds W, so no broadcast can start and no listener can join. Returns the pipeline.
    /// </summary>
    private CliProcess HeldBus(string bus)
    {
        CliProcess pipeline = _sandbox.Shell($"\"$BUS\" listen --ready '{bus}' | sleep 600");
        pipeline.WaitUntilListening();
        string message = new('x', 2000);
        int sent = 0;
        // About 64 KiB fill the pipe; then a broadcast cannot take the bus (status 4, nothing sent).
        while (_sandbox.Run("broadcast", "--timeout", "2s", bus, message) is { ExitCode: 0 })
            Assert.True(++sent < 200, "the pipe never filled");
        Assert.True(CliSandbox.SemaphoreValues(bus).W > 0, "the listener does not hold W");
        return pipeline;
    }

    [Theory]
    [InlineData("wait")]
    [InlineData("listen")]
    public void Timeout_covers_joining_behind_a_listener_that_holds_the_bus(string verb)
    {
        string bus = _sandbox.CreateBus();
        using CliProcess pipeline = HeldBus(bus);
        RunResult result = _sandbox.Run(verb, "--timeout", "1s", bus);
        Assert.Equal(new RunResult(4, "", $"bus: {bus}: timed out: no message for 1s\n"), result);
    }

    [Fact]
    public void Nowait_waits_for_a_listener_still_busy_when_no_other_broadcaster_holds_the_bus()
    {
        string bus = _sandbox.CreateBus();
        using CliProcess pipeline = HeldBus(bus);
        // The C command's -n fails only while another broadcaster holds the bus; a listener still
        // busy is waited for, within --timeout (status 4, nothing sent).
        RunResult result = _sandbox.Run("broadcast", "-n", "--timeout", "1s", bus, "held back");
        Assert.Equal(4, result.ExitCode);
        Assert.Contains("timed out waiting for the bus", result.Stderr);
    }
}
