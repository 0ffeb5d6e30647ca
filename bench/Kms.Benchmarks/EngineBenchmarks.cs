using System.Buffers;
using BenchmarkDotNet.Attributes;
using Kms.Engine;
using Kms.Engine.Storage;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Benchmarks;

/// <summary>
/// The whole engine path (decode, access check, store read or durable commit, encode) on the FASTER store in a
/// temp folder, one caller: Get, Get Attributes, Create (durable), Locate by name and by tag over
/// <see cref="Objects"/> keys, and AES-256-GCM Decrypt (64 B; Encrypt is in Crypto/AesGcmEncryptBench, next to raw
/// <see cref="System.Security.Cryptography.AesGcm"/>).
/// Budget (bench/allocation-budget.txt): 0 B for Get and Decrypt, which the engine's fast path serves
/// (Messages/FastPath.cs); the others take the tree path and allocate.
/// </summary>
[MemoryDiagnoser]
public class EngineBenchmarks
{
    private const int Objects = 2000;
    private readonly ArrayBufferWriter<byte> _output = new(64 * 1024);
    private readonly CallerIdentity _caller = new("bench", "socket", null);
    private BenchEngine _bench = null!;
    private KmsEngine _engine = null!;
    private byte[] _get = [];
    private byte[] _getAttributes = [];
    private byte[] _create = [];
    private byte[] _locateByName = [];
    private byte[] _locateByTag = [];
    private byte[] _decrypt64 = [];

    [GlobalSetup]
    public void Setup()
    {
        _bench = new BenchEngine("engine-ops");
        _engine = _bench.Engine;
        string id = "";
        for (int i = 0; i < Objects; i++)
        {
            var response = Send(Message(Operation.Create, CreatePayload($"key-{i}", i % 10 == 0 ? "rare" : "common")));
            id = TtlvElement.Decode(response).FindPath(Tag.BatchItem, Tag.ResponsePayload, Tag.UniqueIdentifier)!.Text;
        }
        _get = Message(Operation.Get, TtlvElement.Structure(Tag.RequestPayload, TtlvElement.TextString(Tag.UniqueIdentifier, id)));
        _getAttributes = Message(Operation.GetAttributes, TtlvElement.Structure(Tag.RequestPayload, TtlvElement.TextString(Tag.UniqueIdentifier, id)));
        _create = Message(Operation.Create, CreatePayload("bench-new", "new"));
        _locateByName = Message(Operation.Locate, TtlvElement.Structure(Tag.RequestPayload, TtlvElement.Structure(Tag.Attributes,
            TtlvElement.Structure(Tag.Name, TtlvElement.TextString(Tag.NameValue, "key-77"), TtlvElement.Enumeration(Tag.NameType, 1)))));
        string key = CreateActiveAesKey(_engine, _output, _caller);
        var sealed64 = TtlvElement.Decode(Send(Message(Operation.Encrypt, CipherPayload(key, new byte[64])))).FindPath(Tag.BatchItem, Tag.ResponsePayload)!;
        var decrypt = CipherPayload(key, sealed64.Find(Tag.Data)!.Bytes);
        decrypt.Children.Add(sealed64.Find(Tag.IVCounterNonce)!);
        decrypt.Children.Add(sealed64.Find(Tag.AuthenticatedEncryptionTag)!);
        _decrypt64 = Message(Operation.Decrypt, decrypt);
        _locateByTag = Message(Operation.Locate, TtlvElement.Structure(Tag.RequestPayload, TtlvElement.Integer(Tag.MaximumItems, 10),
            TtlvElement.Structure(Tag.Attributes, TagAttribute("rare"))));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _bench.Dispose();
    }

    [Benchmark] public int Get() => Process(_get);
    [Benchmark] public int GetAttributes() => Process(_getAttributes);
    [Benchmark] public int CreateDurable() => Process(_create);
    [Benchmark] public int LocateByName() => Process(_locateByName);
    [Benchmark] public int LocateByTag200of2000() => Process(_locateByTag);
    [Benchmark] public int DecryptAesGcm64() => Process(_decrypt64);

    private int Process(byte[] request)
    {
        _output.ResetWrittenCount();
        _engine.Process(request, _output, _caller);
        return _output.WrittenCount;
    }

    private byte[] Send(byte[] request)
    {
        _output.ResetWrittenCount();
        _engine.Process(request, _output, _caller);
        return _output.WrittenSpan.ToArray();
    }

    private static TtlvElement TagAttribute(string tag) => TtlvElement.Structure(Tag.Attribute,
        TtlvElement.TextString(Tag.VendorIdentification, "cosmian"), TtlvElement.TextString(Tag.AttributeName, "tag"),
        TtlvElement.TextString(Tag.AttributeValue, "[\"" + tag + "\"]"));

    /// <summary>Creates and activates an AES-256 key usable for Encrypt and Decrypt; returns its Unique Identifier.</summary>
    internal static string CreateActiveAesKey(KmsEngine engine, ArrayBufferWriter<byte> output, CallerIdentity caller)
    {
        output.ResetWrittenCount();
        engine.Process(Message(Operation.Create, CreatePayload("bench-cipher", "cipher")), output, caller);
        string id = TtlvElement.Decode(output.WrittenSpan).FindPath(Tag.BatchItem, Tag.ResponsePayload, Tag.UniqueIdentifier)!.Text;
        output.ResetWrittenCount();
        engine.Process(Message(Operation.Activate, TtlvElement.Structure(Tag.RequestPayload, TtlvElement.TextString(Tag.UniqueIdentifier, id))), output, caller);
        return id;
    }

    /// <summary>An Encrypt/Decrypt payload for <paramref name="id"/> in GCM mode over <paramref name="data"/>.</summary>
    internal static TtlvElement CipherPayload(string id, byte[] data) => TtlvElement.Structure(Tag.RequestPayload,
        TtlvElement.TextString(Tag.UniqueIdentifier, id),
        TtlvElement.Structure(Tag.CryptographicParameters, TtlvElement.Enumeration(Tag.BlockCipherMode, (uint)BlockCipherMode.GCM)),
        TtlvElement.ByteString(Tag.Data, data));

    private static TtlvElement CreatePayload(string name, string tag) => TtlvElement.Structure(Tag.RequestPayload,
        TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.SymmetricKey),
        TtlvElement.Structure(Tag.Attributes,
            TtlvElement.Enumeration(Tag.CryptographicAlgorithm, (uint)CryptographicAlgorithm.AES),
            TtlvElement.Integer(Tag.CryptographicLength, 256),
            TtlvElement.Integer(Tag.CryptographicUsageMask, (int)(CryptographicUsageMask.Encrypt | CryptographicUsageMask.Decrypt)),
            TtlvElement.Structure(Tag.Name, TtlvElement.TextString(Tag.NameValue, name), TtlvElement.Enumeration(Tag.NameType, 1)),
            TagAttribute(tag)));

    internal static byte[] Message(Operation op, TtlvElement payload) => TtlvElement.Structure(Tag.RequestMessage,
        TtlvElement.Structure(Tag.RequestHeader,
            TtlvElement.Structure(Tag.ProtocolVersion, TtlvElement.Integer(Tag.ProtocolVersionMajor, 2), TtlvElement.Integer(Tag.ProtocolVersionMinor, 1)),
            TtlvElement.Integer(Tag.BatchCount, 1)),
        TtlvElement.Structure(Tag.BatchItem, TtlvElement.Enumeration(Tag.Operation, (uint)op), payload)).ToBytes();
}
