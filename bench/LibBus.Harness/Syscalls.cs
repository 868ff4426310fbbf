using System.Globalization;

namespace LibBus.Harness;

/// <summary>
/// The syscall budget: runs the same configuration twice under <c>strace -f -c</c>
/// (one strace per child process) with N1 and N2 timed messages and divides the
/// difference in calls by N2 − N1, so start-up, joining and warm-up cancel out.
/// </summary>
internal static class Syscalls
{
    internal const string CsvHeader = "impl,listeners,role,sem_per_msg,semop_per_msg,semtimedop_per_msg,semctl_per_msg,all_per_msg";

    internal static int Run(Options o)
    {
        int n1 = o.GetInt("n1"), n2 = o.GetInt("n2");
        Dictionary<string, Dictionary<string, double>> first = Measure(o, n1), second = Measure(o, n2);
        string impl = o.Get("impl");
        int listeners = o.GetInt("listeners");
        var lines = new List<string>();
        foreach (string role in second.Keys)
        {
            double Per(string name) => (second[role].GetValueOrDefault(name) - first[role].GetValueOrDefault(name)) / (n2 - n1);
            double semop = Per("semop"), semtimedop = Per("semtimedop"), semctl = Per("semctl");
            string line = string.Join(',', impl, listeners, role, F(semop + semtimedop + semctl), F(semop), F(semtimedop), F(semctl), F(Per("total")));
            Console.WriteLine($"{impl} L={listeners} {role}: {semop + semtimedop + semctl:0.###} semop+semtimedop+semctl per message " +
                $"(semop {semop:0.###}, semtimedop {semtimedop:0.###}, semctl {semctl:0.###}); all syscalls {Per("total"):0.###}");
            lines.Add(line);
        }
        if (o.GetOrNull("csv") is { } csv)
        {
            if (!File.Exists(csv)) File.WriteAllText(csv, CsvHeader + "\n");
            File.AppendAllLines(csv, lines);
        }
        return 0;
    }

    private static string F(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>Calls per role ("broadcaster", and "listener" averaged over listeners) for one run of N messages.</summary>
    private static Dictionary<string, Dictionary<string, double>> Measure(Options o, int messages)
    {
        string dir = Directory.CreateTempSubdirectory("libbus-strace.").FullName;
        try
        {
            var options = Options.Parse(["--impl", o.Get("impl"), "--listeners", o.Get("listeners"), "--messages", $"{messages}",
                "--warmup", o.Get("warmup", "500"), "--timeout", o.Get("timeout", "120"),
                "--cbaseline", o.Get("cbaseline", "bench/out/cbaseline")]);
            RunResult result = Coordinator.RunOnce(options, dir);
            if (result.Status != "ok") throw new InvalidOperationException($"strace run failed: {result.Status} {result.Detail}");
            var byRole = new Dictionary<string, Dictionary<string, double>>();
            foreach (string role in new[] { "broadcaster", "listener" })
            {
                string[] files = Directory.GetFiles(dir, role + "-*.txt");
                if (files.Length == 0) continue;
                var sums = new Dictionary<string, double>();
                foreach (string file in files)
                    foreach ((string name, long calls) in Parse(file))
                        sums[name] = sums.GetValueOrDefault(name) + calls / (double)files.Length;
                byRole[role] = sums;
            }
            return byRole;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Rows of a <c>strace -c</c> summary: (syscall, calls); "total" included.</summary>
    private static IEnumerable<(string, long)> Parse(string file)
    {
        foreach (string line in File.ReadLines(file))
        {
            string[] t = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (t.Length < 4 || !char.IsDigit(t[0][0])) continue;
            string name = t[^1];
            string calls = t[3]; // "% time, seconds, usecs/call, calls, [errors], syscall" (the total row too)
            if (long.TryParse(calls, out long n)) yield return (name, n);
        }
    }
}
