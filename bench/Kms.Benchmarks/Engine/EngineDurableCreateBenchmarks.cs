using System.Buffers;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Kms.Engine;
using Kms.Engine.Storage;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Benchmarks.Engine;

/// <summary>
/// Durable Create through <see cref="KmsEngine.Process"/> from N dedicated threads at once, without sockets or the
/// thread pool: the store's group commit (one fsync for all creates waiting) on its own. Each invocation runs
/// <see cref="CreatesPerInvoke"/> creates split over the threads; the mean is per create (1 / throughput). The
/// average group size (creates per fsync) is printed at the end.
/// </summary>
[MemoryDiagnoser]
public class EngineDurableCreateBenchmarks
{
    private const int CreatesPerInvoke = 256;
    private static readonly CallerIdentity s_caller = new("bench", "socket", "127.0.0.1");
    private BenchEngine _bench = null!;
    private KmsEngine _engine = null!;
    private FasterObjectStore _store = null!;
    private byte[] _create = [];
    private long _creates;

    /// <summary>Threads calling Create at the same time (the connections of a server).</summary>
    [Params(1, 16, 64)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _bench = new BenchEngine("create");
        _engine = _bench.Engine;
        _store = _bench.Store;
        _create = CreateAes256Request();
    }

    /// <summary>A KMIP 2.1 Create of an AES-256 key (Encrypt | Decrypt), one batch item.</summary>
    internal static byte[] CreateAes256Request() => TtlvElement.Structure(Tag.RequestMessage,
        TtlvElement.Structure(Tag.RequestHeader,
            TtlvElement.Structure(Tag.ProtocolVersion, TtlvElement.Integer(Tag.ProtocolVersionMajor, 2), TtlvElement.Integer(Tag.ProtocolVersionMinor, 1)),
            TtlvElement.Integer(Tag.BatchCount, 1)),
        TtlvElement.Structure(Tag.BatchItem,
            TtlvElement.Enumeration(Tag.Operation, Operation.Create),
            TtlvElement.Structure(Tag.RequestPayload,
                TtlvElement.Enumeration(Tag.ObjectType, ObjectType.SymmetricKey),
                TtlvElement.Structure(Tag.Attributes,
                    TtlvElement.Enumeration(Tag.CryptographicAlgorithm, CryptographicAlgorithm.AES),
                    TtlvElement.Integer(Tag.CryptographicLength, 256),
                    TtlvElement.Integer(Tag.CryptographicUsageMask, (int)(CryptographicUsageMask.Encrypt | CryptographicUsageMask.Decrypt)))))).ToBytes();

    [GlobalCleanup]
    public void Cleanup()
    {
        long groups = _store.GroupCommits;
        Console.WriteLine($"// {Threads} threads: {_creates} creates in {groups} group commits = {(double)_creates / Math.Max(1, groups):F1} creates per fsync");
        _bench.Dispose();
    }

    /// <summary>The same creates as <see cref="DurableCreate"/> from <see cref="Threads"/> asynchronous callers awaiting
    /// <see cref="KmsEngine.ProcessAsync"/>: no thread waits for the group commit (the server's path).</summary>
    [Benchmark(OperationsPerInvoke = CreatesPerInvoke)]
    public void DurableCreateAsync()
    {
        var callers = new Task[Threads];
        for (int t = 0; t < callers.Length; t++)
        {
            callers[t] = Task.Run(async () =>
            {
                var output = new ArrayBufferWriter<byte>(512);
                for (int i = 0; i < CreatesPerInvoke / Threads; i++)
                {
                    output.ResetWrittenCount();
                    await _engine.ProcessAsync(_create, output, s_caller);
                }
            });
        }
        Task.WaitAll(callers);
        Interlocked.Add(ref _creates, CreatesPerInvoke / Threads * Threads);
    }

    [Benchmark(OperationsPerInvoke = CreatesPerInvoke)]
    public void DurableCreate()
    {
        var threads = new Thread[Threads];
        for (int t = 0; t < threads.Length; t++)
        {
            threads[t] = new Thread(() =>
            {
                var output = new ArrayBufferWriter<byte>(512);
                for (int i = 0; i < CreatesPerInvoke / Threads; i++)
                {
                    output.ResetWrittenCount();
                    _engine.Process(_create, output, s_caller);
                }
            });
            threads[t].Start();
        }
        foreach (var thread in threads) thread.Join();
        Interlocked.Add(ref _creates, CreatesPerInvoke / Threads * Threads);
    }
}
