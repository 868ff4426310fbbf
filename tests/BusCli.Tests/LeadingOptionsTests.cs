using BusCli.Tests.Infrastructure;
using LibBus;

namespace BusCli.Tests;

/// <summary>
/// Scripts written for the C <c>bus</c> put its options (<c>-x</c>, <c>-n</c>) before the verb;
/// they mean the same there as after it, which stays the documented form.
/// </summary>
public sealed class LeadingOptionsTests : IDisposable
{
    private readonly CliSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    [Theory]
    [InlineData("-n broadcast P M", "broadcast -n P M")]
    [InlineData("-x create P", "create -x P")]
    [InlineData("-x create", "create -x")]
    [InlineData("-nx broadcast P M", "broadcast -n -x P M")]
    [InlineData("-n -x create P", "create -n -x P")]
    [InlineData("-- create -x", "create -- -x")] // '--' ends the options before the verb, as in the C bus
    [InlineData("-n -- broadcast P -M", "broadcast -n -- P -M")]
    [InlineData("broadcast -n P M", "broadcast -n P M")] // after the verb: as it is
    [InlineData("create -x P", "create -x P")]
    [InlineData("broadcast P M", "broadcast P M")]
    [InlineData("-c listen P", "-c listen P")] // not an option of the C bus
    [InlineData("-t 1s broadcast P M", "-t 1s broadcast P M")]
    [InlineData("-n", "-n")] // no verb: the parser says so
    [InlineData("-n --", "-n --")]
    [InlineData("--help", "--help")]
    [InlineData("-", "-")]
    [InlineData("", "")]
    public void The_C_options_before_the_verb_move_just_after_it(string command, string expected)
    {
        string[] args = command.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(expected, string.Join(' ', LeadingOptions.MoveAfterVerb(args)));
    }

    [Fact]
    public void Exclusive_create_before_the_verb_fails_on_an_existing_bus_as_after_it()
    {
        string bus = _sandbox.PathFor("bus");
        RunResult created = _sandbox.Run("-x", "create", bus);
        Assert.True(created.ExitCode == 0, created.ToString());
        _sandbox.RememberKeys(bus);
        string keys = File.ReadAllText(bus);

        foreach (string[] command in new[] { new[] { "-x", "create", bus }, new[] { "create", "-x", bus } })
        {
            RunResult again = _sandbox.Run(command);
            Assert.Equal(1, again.ExitCode);
            Assert.Equal($"bus: {bus}: already exists\n", again.Stderr);
        }
        Assert.Equal(0, _sandbox.Run("create", bus).ExitCode); // without -x: fine, untouched
        Assert.Equal(keys, File.ReadAllText(bus));
    }

    [Fact]
    public void Nowait_broadcast_before_the_verb_sends_on_a_free_bus_and_gives_up_at_once_on_a_busy_one()
    {
        string bus = _sandbox.CreateBus();
        using CliProcess listener = _sandbox.Start("wait", "--ready", bus);
        listener.WaitUntilListening();
        Assert.Equal(0, _sandbox.Run("-n", "broadcast", bus, "free").ExitCode);
        Assert.Equal("free\n", listener.WaitForExit().Stdout);

        // Busy: a poller that joined and does not poll keeps a broadcaster waiting for it.
        using (Bus handle = Bus.Open(bus, BusAccess.Listen))
        using (BusPoller poller = handle.StartPolling(TimeSpan.FromSeconds(20)))
        {
            using CliProcess holder = _sandbox.Start("broadcast", "--timeout", "20s", bus, "held");
            Eventually.True(() => CliSandbox.SemaphoreValues(bus).N == 1, "the broadcaster to publish");
            foreach (string[] command in new[] { new[] { "-n", "broadcast", bus, "not sent" }, new[] { "broadcast", "-n", bus, "not sent" } })
            {
                RunResult busy = _sandbox.Run(command);
                Assert.Equal(3, busy.ExitCode);
                Assert.StartsWith($"bus: {bus}: busy:", busy.Stderr);
            }
            Assert.Equal("held", poller.Poll(TimeSpan.FromSeconds(20))?.Text);
            Assert.Equal(0, holder.WaitForExit().ExitCode);
        }
    }

    [Theory]
    [InlineData("-x", "broadcast")]
    [InlineData("-nx", "broadcast")]
    [InlineData("-n", "create")]
    public void A_C_option_the_verb_does_not_take_is_a_usage_error_before_the_verb_as_after_it(string option, string verb)
    {
        string bus = _sandbox.PathFor("bus");
        string[] rest = verb == "broadcast" ? [bus, "m"] : [bus];
        RunResult before = InProcess.Run([option, verb, .. rest]);
        RunResult after = InProcess.Run([verb, option, .. rest]);

        Assert.Equal(2, before.ExitCode);
        Assert.Equal(2, after.ExitCode);
        Assert.StartsWith("bus: ", before.Stderr);
        Assert.Single(before.Stderr.TrimEnd('\n').Split('\n'));
    }
}
