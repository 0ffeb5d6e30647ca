using System.Globalization;
using BenchmarkDotNet.Running;
using Kms.Benchmarks;

// Console modes (throughput at N concurrent callers does not fit BenchmarkDotNet):
//   durable-creates [seconds]   durable single-object store creates/s at 1, 16 and 64 callers
//   engine-creates [seconds] [callers,…]  durable AES-256 Creates/s through KmsEngine.ProcessAsync, with CPU µs per create
//   create-allocs               bytes allocated by one AES-256 Create, whole and by phase
//   create-cpu [rounds]         ns per AES-256 Create of the engine's own work (no commit), single thread, best round
//   alloc-types                 bytes per durable AES-256 Create by type (sampled; AllocTypes.cs)
//   locate-1m [records]         FindByTerms by tag over 1M records
//   aes-gcm-ab [rounds] [variant]  AES-GCM Encrypt raw / crypto layer / engine, interleaved in one process
//                               (Crypto/AesGcmInterleaved.cs); with a variant ("engine 4 KiB"), only its calls, for a profile
// Anything else goes to BenchmarkDotNet.
switch (args.FirstOrDefault())
{
    case "durable-creates":
        StoreThroughput.DurableCreates(args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 5);
        break;
    case "engine-creates":
        StoreThroughput.EngineCreates(args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 5,
            args.Length > 2 ? args[2].Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray() : [1, 16, 64]);
        break;
    case "create-cpu":
        CreateCpu.Run(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 15, 5000);
        break;
    case "alloc-types":
        AllocTypes.Run();
        break;
    case "create-allocs":
        CreateAllocations.Run();
        break;
    case "aes-gcm-ab":
        Kms.Benchmarks.Crypto.AesGcmInterleaved.Run(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1000,
            args.Length > 2 ? args[2] : null);
        break;
    case "locate-1m":
        StoreThroughput.Locate(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1_000_000);
        break;
    default:
        BenchmarkSwitcher.FromAssembly(typeof(Messages).Assembly).Run(args);
        break;
}
