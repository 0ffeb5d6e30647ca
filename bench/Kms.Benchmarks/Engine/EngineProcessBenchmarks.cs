using System.Buffers;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Kms.Engine;
using Kms.Engine.Model;
using Kms.Engine.Storage;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Benchmarks.Engine;

/// <summary>
/// The request processor, bytes in to bytes out, without sockets (issue 7): <see cref="KmsEngine.Process"/> with a
/// pre-encoded KMIP 2.1 request on a real FASTER store in a temp folder, into a reused buffer writer.
/// Create is durable: each call waits for its log commit on disk.
/// </summary>
[MemoryDiagnoser]
public class EngineProcessBenchmarks
{
    private static readonly CallerIdentity s_caller = new("bench", "socket", "127.0.0.1");
    private readonly ArrayBufferWriter<byte> _output = new(4096);
    private BenchEngine _bench = null!;
    private KmsEngine _engine = null!;
    private byte[] _get = [];
    private byte[] _create = [];
    private byte[] _locate = [];
    private IObjectStore _store = null!;
    private string _id = "";
    private ObjectRecord _record = null!;
    private byte[] _getResponse = [];

    [GlobalSetup]
    public void Setup()
    {
        _bench = new BenchEngine("engine");
        _engine = _bench.Engine;
        _store = _bench.Store;

        _create = Message(Operation.Create, CreateAesPayload());
        string id = Success(_create).Find(Tag.UniqueIdentifier)!.Text;
        _get = Message(Operation.Get, TtlvElement.Structure(Tag.RequestPayload, TtlvElement.TextString(Tag.UniqueIdentifier, id)));
        Success(_get);
        _getResponse = _output.WrittenSpan.ToArray();
        _id = id;
        _store.TryRead(id, out var record);
        _record = record!;

        var tag = TtlvElement.Structure(Tag.Attribute,
            TtlvElement.TextString(Tag.VendorIdentification, "cosmian"),
            TtlvElement.TextString(Tag.AttributeName, "tag"),
            TtlvElement.TextString(Tag.AttributeValue, "[\"bench\"]"));
        for (int i = 0; i < 10; i++)
        {
            var payload = CreateAesPayload();
            payload.Find(Tag.Attributes)!.Children.Add(tag);
            Success(Message(Operation.Create, payload));
        }
        _locate = Message(Operation.Locate, TtlvElement.Structure(Tag.RequestPayload, TtlvElement.Structure(Tag.Attributes, tag)));
        Success(_locate);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _bench.Dispose();
    }

    /// <summary>Get of an AES-256 key by Unique Identifier.</summary>
    [Benchmark]
    public int ProcessGet() => Process(_get);

    /// <summary>Locate of the ten keys carrying one tag.</summary>
    [Benchmark]
    public int ProcessLocateByTag() => Process(_locate);

    /// <summary>Durable Create of an AES-256 key (one log commit per call: no concurrency here to group commits).</summary>
    [Benchmark]
    public int ProcessCreate() => Process(_create);

    // Stages of the Get path, to attribute its allocations (not in the allocation budget: they allocate today).

    /// <summary>Get stage: the request decoded into a TtlvElement tree (what the message layer does first).</summary>
    [Benchmark]
    public int GetStageDecodeRequestTree() => TtlvElement.Decode(_get).Children.Count;

    /// <summary>Get stage: the store read (FASTER read, decrypt, record).</summary>
    [Benchmark]
    public long GetStageStoreRead() => _store.TryRead(_id, out var r) ? r.Version : 0;

    /// <summary>Get stage: the stored body deserialized into a managed object.</summary>
    [Benchmark]
    public int GetStageDeserializeObject() => ObjectCodec.Deserialize(_record).Id.Length;

    /// <summary>Get stage: the response decoded to a tree and encoded again (the tree round trip the engine does to answer).</summary>
    [Benchmark]
    public int GetStageResponseTreeToBytes() => TtlvElement.Decode(_getResponse).ToBytes().Length;

    private int Process(byte[] request)
    {
        _output.ResetWrittenCount();
        _engine.Process(request, _output, s_caller);
        return _output.WrittenCount;
    }

    private TtlvElement Success(byte[] request)
    {
        Process(request);
        var item = TtlvElement.Decode(_output.WrittenSpan).Find(Tag.BatchItem)!;
        if ((ResultStatus)item.Find(Tag.ResultStatus)!.UInt32 != ResultStatus.Success)
            throw new InvalidOperationException("setup request failed: " + item.Find(Tag.ResultMessage)?.Text);
        return item.Find(Tag.ResponsePayload)!;
    }

    private static TtlvElement CreateAesPayload() => TtlvElement.Structure(Tag.RequestPayload,
        TtlvElement.Enumeration(Tag.ObjectType, ObjectType.SymmetricKey),
        TtlvElement.Structure(Tag.Attributes,
            TtlvElement.Enumeration(Tag.CryptographicAlgorithm, CryptographicAlgorithm.AES),
            TtlvElement.Integer(Tag.CryptographicLength, 256),
            TtlvElement.Integer(Tag.CryptographicUsageMask, (int)(CryptographicUsageMask.Encrypt | CryptographicUsageMask.Decrypt))));

    private static byte[] Message(Operation operation, TtlvElement payload) => TtlvElement.Structure(Tag.RequestMessage,
        TtlvElement.Structure(Tag.RequestHeader,
            TtlvElement.Structure(Tag.ProtocolVersion, TtlvElement.Integer(Tag.ProtocolVersionMajor, 2), TtlvElement.Integer(Tag.ProtocolVersionMinor, 1)),
            TtlvElement.Integer(Tag.BatchCount, 1)),
        TtlvElement.Structure(Tag.BatchItem, TtlvElement.Enumeration(Tag.Operation, operation), payload)).ToBytes();
}
