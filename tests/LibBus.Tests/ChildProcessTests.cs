using LibBus.Tests.Infrastructure;

namespace LibBus.Tests;

/// <summary>
/// The test-support wrapper every test's child processes run in (tests/LibBus.TestSupport):
/// no test may leave a process behind, not even one that a shell or a bus command started and
/// left running when it exited (issue 25: a JobsTests command looped on, orphaned to init).
/// </summary>
public sealed class ChildProcessTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("libbus-child-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Dispose_kills_what_a_shell_left_running_in_its_process_group_after_the_shell_exited()
    {
        string pidFile = Path.Combine(_directory, "pid");
        var shell = new ChildProcess("/bin/sh", ["-c", $"sleep 600 > /dev/null 2>&1 & echo $! > '{pidFile}'"]);
        Assert.Equal(0, shell.WaitForExit());
        int orphan = int.Parse(File.ReadAllText(pidFile));
        Assert.True(Proc.State(orphan) is not (null or 'Z'), $"the sleep {orphan} is not running"); // R or S: it may not have gone to sleep yet

        shell.Dispose();

        Eventually.True(() => Proc.State(orphan) is null or 'Z', $"the orphaned sleep {orphan} to end");
    }

    [Fact]
    public void A_child_runs_in_a_process_group_of_its_own_in_the_test_hosts_session()
    {
        using var child = new ChildProcess("/bin/sh", ["-c", "cat /proc/$$/stat"]);
        Assert.Equal(0, child.WaitForExit());
        // pid (comm) state ppid pgrp session ...
        string[] shell = child.Stdout.Split(") ")[1].Split(' '), host = File.ReadAllText("/proc/self/stat").Split(") ")[1].Split(' ');
        Assert.Equal(child.Pid.ToString(), child.Stdout.Split(' ')[0]);
        Assert.Equal(child.Pid.ToString(), shell[2]);
        Assert.Equal(host[3], shell[3]);
    }

    [Fact]
    public void Lines_and_text_are_captured_and_read_in_order_and_a_missing_program_fails_at_the_start()
    {
        using var child = new ChildProcess("/bin/sh", ["-c", "read x; echo \"one $x\"; echo two >&2; printf 'three\\r\\nlast'"]);
        child.Stdin.WriteLine("go");
        child.Stdin.Flush();
        Assert.Equal("one go", child.ReadLine(ChildProcess.DefaultTimeout));
        Assert.Equal("two", child.ReadErrorLine(ChildProcess.DefaultTimeout));
        Assert.Equal(0, child.WaitForExit());
        Assert.Equal(["one go", "three", "last"], child.StdoutLines);
        Assert.Equal("one go\nthree\r\nlast", child.Stdout);
        Assert.Throws<FileNotFoundException>(() => new ChildProcess("libbus-no-such-program", []));
    }
}
