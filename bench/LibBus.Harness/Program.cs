using LibBus.Harness;

// harness <command> ...: see Usage below. Child roles (listener, broadcaster,
// pingpong-child) are started by the coordinating commands, never by hand.
try
{
    return args.Length == 0 ? Usage() : args[0] switch
    {
        "run" => Coordinator.Run(Options.Parse(args[1..])),
        "syscalls" => Syscalls.Run(Options.Parse(args[1..])),
        "pingpong" => PingPong.Run(Options.Parse(args[1..])),
        "idle-rss" => IdleRss.Run(Options.Parse(args[1..])),
        "async" => AsyncRatio.Run(Options.Parse(args[1..])),
        "report" => Report.Run(Options.Parse(args[1..])),
        "listener" => Roles.Listener(args[1], long.Parse(args[2])),
        "broadcaster" => Roles.Broadcaster(args[1], int.Parse(args[2]), int.Parse(args[3])),
        "pingpong-child" => PingPong.Child(int.Parse(args[1]), long.Parse(args[2])),
        _ => Usage(),
    };
}
catch (Exception e)
{
    Console.Out.WriteLine($"FAIL {e.GetType().Name}: {e.Message}");
    Console.Error.WriteLine($"harness: {e}");
    return 1;
}

static int Usage()
{
    Console.Error.WriteLine("""
        usage: harness run --impl libbus|libbus-aot|c|c-libbus|dbus --listeners L [--broadcasters B] --messages N [--warmup W]
                           [--timeout SECONDS] [--csv FILE] [--cbaseline EXE] [--dbuspeer EXE] [--dbus-address ADDR]
                           [--libbus-aot EXE]   (libbus-aot: the LibBus roles from a Native AOT publish of this harness)
                           [--libbuspeer EXE]   (c-libbus: the C baseline's roles with bus.h, on libbus.so.3)
               harness syscalls --impl libbus|c --listeners L --n1 N1 --n2 N2 [--csv FILE] [--cbaseline EXE]
               harness pingpong --rounds N [--out FILE]
               harness idle-rss --bus-exe EXE [--out FILE]
               harness async --messages N [--warmup W] [--rounds R] [--window K] [--out FILE]
               harness report --results DIR --out FILE [--plot-data FILE]
        """);
    return 2;
}
