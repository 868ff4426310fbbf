using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(LibBus.Benchmarks.BroadcastBenchmarks).Assembly).Run(args);
