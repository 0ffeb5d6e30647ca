using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using Kms.Engine;

namespace Kms.Benchmarks;

/// <summary>
/// Bytes allocated per durable AES-256 Create by type (<c>alloc-types</c>): the runtime's allocation-tick events (one per
/// ~100 KB allocated, naming the type of the object that crossed the mark) over 40,000 creates, so an estimate by sampling
/// that shows which types dominate; <see cref="CreateAllocations"/> gives the exact totals.
/// </summary>
internal static class AllocTypes
{
    private sealed class Listener : EventListener
    {
        public readonly ConcurrentDictionary<string, long> Bytes = new();
        public volatile bool On;
        protected override void OnEventSourceCreated(EventSource source)
        {
            if (source.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x1);
        }
        protected override void OnEventWritten(EventWrittenEventArgs e)
        {
            if (!On || e.EventName != "GCAllocationTick_V4" || e.Payload is null) return;
            int i = e.PayloadNames!.IndexOf("TypeName");
            var name = (string)e.Payload[i]!;
            Bytes.AddOrUpdate(name, 100_000, (_, v) => v + 100_000);
        }
    }

    public static void Run()
    {
        var caller = new CallerIdentity("bench", "socket", "127.0.0.1");
        byte[] request = Engine.EngineDurableCreateBenchmarks.CreateAes256Request();
        var output = new ArrayBufferWriter<byte>(1024);
        using var l = new Listener();
        using var durable = new BenchEngine("create-alloc-types");
        var engine = durable.Engine;
        for (int i = 0; i < 2000; i++) { output.ResetWrittenCount(); engine.Process(request, output, caller); }
        const int n = 40000;
        l.On = true;
        for (int i = 0; i < n; i++) { output.ResetWrittenCount(); engine.Process(request, output, caller); }
        l.On = false;
        foreach (var (k, v) in l.Bytes.OrderByDescending(kv => kv.Value)) Console.WriteLine($"{v / (double)n,8:F0} B  {k}");
    }
}
