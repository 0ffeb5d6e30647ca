using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Kms.Benchmarks.Messages).Assembly).Run(args);
