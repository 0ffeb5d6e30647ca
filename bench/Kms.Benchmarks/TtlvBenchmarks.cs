using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using Kms.Ttlv;
using Kms.Ttlv.Json;
using Kms.Ttlv.Tests;
using Kms.Ttlv.Tree;

namespace Kms.Benchmarks;

/// <summary>
/// Binary decode: every token and every value read with <see cref="TtlvReader"/> (numbers, the UID compared
/// in place, byte strings copied to the stack), as a request processor does. Budget: 0 B.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(BenchConfig))]
public class TtlvDecodeBenchmarks
{
    [Benchmark] public long GetRequest() => SampleMessages.Consume(Messages.GetRequest);
    [Benchmark] public long GetResponse() => SampleMessages.Consume(Messages.GetResponse);
    [Benchmark] public long Create6Attributes() => SampleMessages.Consume(Messages.Create6Attributes);
    [Benchmark] public long Batch100Gets() => SampleMessages.Consume(Messages.Batch100Gets);

    /// <summary>Validation only (no value accessors): the reader's own cost.</summary>
    [Benchmark] public bool Batch100GetsValidateOnly() => new TtlvReader(Messages.Batch100Gets).ValidateToEnd();
}

/// <summary>Binary encode with <see cref="TtlvWriter"/> into a reused span and into a reused <see cref="IBufferWriter{T}"/>. Budget: 0 B.</summary>
[MemoryDiagnoser]
[Config(typeof(BenchConfig))]
public class TtlvEncodeBenchmarks
{
    private readonly byte[] _span = new byte[64 * 1024];
    private readonly ArrayBufferWriter<byte> _output = new(64 * 1024);

    private static readonly SampleMessages.WriteMessage s_getRequest = Messages.Writer(nameof(Messages.GetRequest));
    private static readonly SampleMessages.WriteMessage s_getResponse = Messages.Writer(nameof(Messages.GetResponse));
    private static readonly SampleMessages.WriteMessage s_create = Messages.Writer(nameof(Messages.Create6Attributes));
    private static readonly SampleMessages.WriteMessage s_batch = Messages.Writer(nameof(Messages.Batch100Gets));

    [Benchmark] public int GetRequestToSpan() => ToSpan(s_getRequest);
    [Benchmark] public int GetResponseToSpan() => ToSpan(s_getResponse);
    [Benchmark] public int Create6AttributesToSpan() => ToSpan(s_create);
    [Benchmark] public int Batch100GetsToSpan() => ToSpan(s_batch);

    [Benchmark] public int GetRequestToBufferWriter() => ToBufferWriter(s_getRequest);
    [Benchmark] public int GetResponseToBufferWriter() => ToBufferWriter(s_getResponse);
    [Benchmark] public int Create6AttributesToBufferWriter() => ToBufferWriter(s_create);
    [Benchmark] public int Batch100GetsToBufferWriter() => ToBufferWriter(s_batch);

    private int ToSpan(SampleMessages.WriteMessage write)
    {
        var w = new TtlvWriter(_span);
        write(ref w);
        return w.BytesWritten;
    }

    private int ToBufferWriter(SampleMessages.WriteMessage write)
    {
        _output.ResetWrittenCount();
        var w = new TtlvWriter(_output, 16 * 1024);
        try
        {
            write(ref w);
        }
        finally
        {
            w.Dispose();
        }
        return _output.WrittenCount;
    }
}

/// <summary>The tree model (for adapters and tools, off the hot path): decode to <see cref="TtlvElement"/> and back. It allocates by design.</summary>
[MemoryDiagnoser]
[Config(typeof(BenchConfig))]
public class TtlvTreeBenchmarks
{
    private readonly TtlvElement _getResponse = TtlvElement.Decode(Messages.GetResponse);
    private readonly TtlvElement _batch = TtlvElement.Decode(Messages.Batch100Gets);

    [Benchmark] public TtlvElement? GetResponseToTree() => TtlvElement.TryDecode(Messages.GetResponse, out var e, out _, out _) ? e : null;
    [Benchmark] public TtlvElement? Batch100GetsToTree() => TtlvElement.TryDecode(Messages.Batch100Gets, out var e, out _, out _) ? e : null;
    [Benchmark] public byte[] GetResponseFromTree() => _getResponse.ToBytes();
    [Benchmark] public byte[] Batch100GetsFromTree() => _batch.ToBytes();
}

/// <summary>
/// KMIP JSON transcoding as the HTTP adapters do it: JSON → tree → binary TTLV for a request, binary → tree → JSON
/// for a response. Not a 0 B path (the tree model allocates); measured to keep the adapters honest.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(BenchConfig))]
public class TtlvJsonBenchmarks
{
    private static readonly byte[] s_getRequestJson = Encoding.UTF8.GetBytes(KmipJson.Serialize(TtlvElement.Decode(Messages.GetRequest)));
    private static readonly byte[] s_create6Json = Encoding.UTF8.GetBytes(KmipJson.Serialize(TtlvElement.Decode(Messages.Create6Attributes)));
    private static readonly byte[] s_batchJson = Encoding.UTF8.GetBytes(KmipJson.Serialize(TtlvElement.Decode(Messages.Batch100Gets)));

    [Benchmark] public byte[] GetRequestJsonToBinary() => KmipJson.Parse(s_getRequestJson).ToBytes();
    [Benchmark] public byte[] Create6AttributesJsonToBinary() => KmipJson.Parse(s_create6Json).ToBytes();
    [Benchmark] public byte[] Batch100GetsJsonToBinary() => KmipJson.Parse(s_batchJson).ToBytes();
    [Benchmark] public string GetResponseBinaryToJson() => KmipJson.Serialize(TtlvElement.Decode(Messages.GetResponse));
    [Benchmark] public string Batch100GetsBinaryToJson() => KmipJson.Serialize(TtlvElement.Decode(Messages.Batch100Gets));
}
