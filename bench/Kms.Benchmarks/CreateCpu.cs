using System.Buffers;
using System.Diagnostics;
using Kms.Engine;
using Kms.Engine.Operations;
using Kms.Engine.Storage;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Benchmarks;

/// <summary>
/// Time of the engine's own work for one AES-256 Create, single-threaded, without the store's commit (<c>create-cpu</c>):
/// request tree decode, <see cref="CreateOperation"/> with staging (serialize, index terms) into a fresh unit of work on a
/// memory store, and the response message built and encoded. The best of several rounds, so that other processes on a
/// shared machine disturb it little; compare builds by running each a few times, alternately.
/// </summary>
internal static class CreateCpu
{
    public static void Run(int rounds, int perRound)
    {
        var caller = new CallerIdentity("bench", "socket", "127.0.0.1");
        byte[] request = Engine.EngineDurableCreateBenchmarks.CreateAes256Request();
        var output = new ArrayBufferWriter<byte>(1024);
        using var engine = KmsEngine.Open(new EngineOptions());
        var core = engine.Core;
        var op = core.Operations[Operation.Create];
        var store = new MemoryObjectStore();
        void One()
        {
            TtlvElement.TryDecode(request, out var root, out _, out _, 64);
            var payload = root!.Find(Tag.BatchItem)!.Find(Tag.RequestPayload)!;
            var ctx = new OperationContext(core, caller, KmipVersion.V2_1, new UnitOfWork(store), new BatchState(), 0);
            var response = TtlvElement.Structure(Tag.ResponseMessage,
                TtlvElement.Structure(Tag.ResponseHeader,
                    TtlvElement.Structure(Tag.ProtocolVersion, TtlvElement.Integer(Tag.ProtocolVersionMajor, 2), TtlvElement.Integer(Tag.ProtocolVersionMinor, 1)),
                    TtlvElement.DateTime(Tag.TimeStamp, 0), TtlvElement.Integer(Tag.BatchCount, 1)),
                TtlvElement.Structure(Tag.BatchItem, TtlvElement.Enumeration(Tag.Operation, (uint)Operation.Create),
                    TtlvElement.Enumeration(Tag.ResultStatus, (uint)ResultStatus.Success), op.Execute(ctx, payload)));
            output.ResetWrittenCount();
            response.WriteTo(output);
        }
        for (int i = 0; i < 20_000; i++) One();
        double best = double.MaxValue;
        long allocated = 0;
        for (int r = 0; r < rounds; r++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < perRound; i++) One();
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalNanoseconds / perRound);
            allocated = (GC.GetAllocatedBytesForCurrentThread() - before) / perRound;
        }
        Console.WriteLine($"create-cpu: best of {rounds} rounds of {perRound}: {best:F0} ns per create (decode, Create + stage, response), {allocated:N0} B");
    }
}
