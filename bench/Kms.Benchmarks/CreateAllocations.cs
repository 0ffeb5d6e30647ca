using System.Buffers;
using Kms.Engine;
using Kms.Engine.Model;
using Kms.Engine.Operations;
using Kms.Engine.Storage;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Benchmarks;

/// <summary>
/// Bytes allocated by one AES-256 Create, whole and by phase (<c>dotnet run -c Release --project bench/Kms.Benchmarks -- create-allocs</c>):
/// the in-memory engine on the calling thread, the durable engine counted over all threads (store and commit loop
/// included), and the engine's steps one by one.
/// </summary>
internal static class CreateAllocations
{
    private const int Rounds = 2000;

    public static void Run()
    {
        var caller = new CallerIdentity("bench", "socket", "127.0.0.1");
        byte[] request = Engine.EngineDurableCreateBenchmarks.CreateAes256Request();
        var output = new ArrayBufferWriter<byte>(1024);

        using (var engine = KmsEngine.Open(new EngineOptions()))
        {
            Console.WriteLine($"in-memory engine Create (this thread):      {PerCall(() => { output.ResetWrittenCount(); engine.Process(request, output, caller); }),8:N0} B");
            var core = engine.Core;
            Console.WriteLine($"  request tree decode:                      {PerCall(() => TtlvElement.TryDecode(request, out _, out _, out _, 64)),8:N0} B");
            TtlvElement.TryDecode(request, out var root, out _, out _, 64);
            ArgumentNullException.ThrowIfNull(root);
            var payload = root.Find(Tag.BatchItem)!.Find(Tag.RequestPayload)!;
            var op = core.Operations[Operation.Create];
            Console.WriteLine($"  Create.Execute + stage (memory store):    {PerCall(() => op.Execute(new OperationContext(core, caller, KmipVersion.V2_1, new UnitOfWork(new MemoryObjectStore()), new BatchState(), 0), payload)),8:N0} B");
            Console.WriteLine($"  Attributes read (AttributeCodec):         {PerCall(() => AttributeCodec.ReadAttributes(payload, KmipVersion.V2_1)),8:N0} B");
            var work = new UnitOfWork(new MemoryObjectStore());
            var ctx = new OperationContext(core, caller, KmipVersion.V2_1, work, new BatchState(), 0);
            op.Execute(ctx, payload);
            work.TryLoad(ctx.UniqueIdentifier!, out var obj);
            Console.WriteLine($"  ObjectCodec.Serialize:                    {PerCall(() => ObjectCodec.Serialize(obj)),8:N0} B  ({ObjectCodec.Serialize(obj).Length} B body, {obj.Attributes.Count} attributes)");
            Console.WriteLine($"  ObjectCodec.IndexTerms:                   {PerCall(() => ObjectCodec.IndexTerms(obj)),8:N0} B");
            Console.WriteLine($"  ObjectCodec.Deserialize:                  {PerCall(() => work.TryLoad(ctx.UniqueIdentifier!, out _)),8:N0} B");
            Console.WriteLine($"  ObjectBuilder.NewId (Unique Identifier):   {PerCall(() => ObjectBuilder.NewId()),8:N0} B");
        }

        using (var durable = new BenchEngine("create-allocs"))
        {
            var engine = durable.Engine;
            for (int i = 0; i < 200; i++) { output.ResetWrittenCount(); engine.Process(request, output, caller); }
            long before = GC.GetTotalAllocatedBytes(precise: true);
            for (int i = 0; i < Rounds; i++) { output.ResetWrittenCount(); engine.Process(request, output, caller); }
            long perCreate = (GC.GetTotalAllocatedBytes(precise: true) - before) / Rounds;
            Console.WriteLine($"durable engine Create (all threads, 1 caller): {perCreate,8:N0} B");
        }
    }

    private static long PerCall(Action action)
    {
        for (int i = 0; i < 200; i++) action();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Rounds; i++) action();
        return (GC.GetAllocatedBytesForCurrentThread() - before) / Rounds;
    }
}
