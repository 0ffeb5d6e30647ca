using System.Buffers;
using Kms.Engine;
using Kms.Engine.Storage;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Tests;

/// <summary>
/// An engine on a fresh store in a temp folder. <see cref="CreateStore"/> is the single place that decides
/// which <see cref="IObjectStore"/> the engine tests run on.
/// </summary>
internal sealed class TestEngine : IDisposable
{
    public TestEngine(IReadOnlyList<string>? privilegedUsers = null, TimeProvider? clock = null, IAuditSink? audit = null, TtlvLimits? limits = null,
        Kms.Engine.Crypto.AlgorithmPolicy? policy = null, bool unwrapOnRegister = false, int objectCacheEntries = 16_384)
    {
        Directory = Path.Combine(Path.GetTempPath(), "kms-engine-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        Engine = KmsEngine.Open(new EngineOptions
        {
            DataDirectory = Directory,
            PrivilegedUsers = privilegedUsers,
            Clock = clock ?? TimeProvider.System,
            Audit = audit,
            Limits = limits ?? TtlvLimits.Default,
            StoreFactory = CreateStore,
            Policy = policy ?? Kms.Engine.Crypto.AlgorithmPolicy.Default,
            UnwrapOnRegister = unwrapOnRegister,
            ObjectCacheEntries = objectCacheEntries,
        });
    }

    /// <summary>The default policy plus 3DES, which the OASIS SKFF cases need.</summary>
    public static Kms.Engine.Crypto.AlgorithmPolicy WithTripleDes { get; } = new(Kms.Engine.Crypto.AlgorithmPolicyMode.Default, allowTripleDes: true);

    public KmsEngine Engine { get; }
    public string Directory { get; }

    /// <summary>The store under test: the durable FASTER store in the temp folder (small memory budget for tests).</summary>
    public static IObjectStore CreateStore(EngineOptions options)
    {
        var dir = options.DataDirectory!;
        var keyFile = Path.Combine(dir, "test-master.key");
        File.WriteAllText(keyFile, Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
        return FasterObjectStore.Open(new FasterStoreOptions
        {
            DataDirectory = Path.Combine(dir, "data"),
            MasterKeyFile = keyFile,
            IndexBuckets = 1 << 12,
            KvMemoryBytes = 1 << 22,
            LogSegmentBytes = 1 << 22,
            PageBytes = 1 << 20,
        });
    }

    /// <summary>Sends raw bytes, returns the decoded response message.</summary>
    public TtlvElement SendRaw(ReadOnlySpan<byte> request, string user = "alice")
    {
        var output = new ArrayBufferWriter<byte>();
        Engine.Process(request, output, new CallerIdentity(user, "socket", "127.0.0.1"));
        return TtlvElement.Decode(output.WrittenSpan);
    }

    public TtlvElement Send(TtlvElement request, string user = "alice") => SendRaw(request.ToBytes(), user);

    /// <summary>One operation in one message; returns its batch item.</summary>
    public Item Call(Operation op, TtlvElement payload, KmipVersion? version = null, string user = "alice")
    {
        var response = Send(Req.Message(version ?? KmipVersion.V2_1, [(op, payload)]), user);
        var items = response.FindAll(Tag.BatchItem).ToList();
        Assert.Single(items);
        return new Item(items[0]);
    }

    /// <summary>Calls and asserts success.</summary>
    public TtlvElement Ok(Operation op, TtlvElement payload, KmipVersion? version = null, string user = "alice")
    {
        var item = Call(op, payload, version, user);
        Assert.True(item.Status == ResultStatus.Success, $"{op} failed: {item.Reason} {item.Message}");
        return item.Payload!;
    }

    /// <summary>Calls and asserts the failure reason.</summary>
    public void Fails(ResultReason reason, Operation op, TtlvElement payload, KmipVersion? version = null, string user = "alice")
    {
        var item = Call(op, payload, version, user);
        Assert.Equal(ResultStatus.OperationFailed, item.Status);
        Assert.Equal(reason, item.Reason);
    }

    public void Dispose()
    {
        Engine.Dispose();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}

/// <summary>A response batch item.</summary>
internal sealed record Item(TtlvElement Element)
{
    public Operation? Operation => Element.Find(Tag.Operation) is { } o ? (Operation)o.UInt32 : null;
    public ResultStatus Status => (ResultStatus)Element.Find(Tag.ResultStatus)!.UInt32;
    public ResultReason? Reason => Element.Find(Tag.ResultReason) is { } r ? (ResultReason)r.UInt32 : null;
    public string? Message => Element.Find(Tag.ResultMessage)?.Text;
    public TtlvElement? Payload => Element.Find(Tag.ResponsePayload);
    public byte[]? BatchItemId => Element.Find(Tag.UniqueBatchItemID)?.Bytes;
}

/// <summary>Request builders.</summary>
internal static class Req
{
    public static readonly KmipVersion V1 = KmipVersion.V1_4;
    public static readonly KmipVersion V2 = KmipVersion.V2_1;

    public static TtlvElement Message(KmipVersion version, IReadOnlyList<(Operation Op, TtlvElement Payload)> items, params TtlvElement[] headerExtras)
    {
        var header = TtlvElement.Structure(Tag.RequestHeader, TtlvElement.Structure(Tag.ProtocolVersion,
            TtlvElement.Integer(Tag.ProtocolVersionMajor, version.Major), TtlvElement.Integer(Tag.ProtocolVersionMinor, version.Minor)));
        header.Children.AddRange(headerExtras);
        header.Children.Add(TtlvElement.Integer(Tag.BatchCount, items.Count));
        var msg = TtlvElement.Structure(Tag.RequestMessage, header);
        int n = 0;
        foreach (var (op, payload) in items)
        {
            var bi = TtlvElement.Structure(Tag.BatchItem, TtlvElement.Enumeration(Tag.Operation, (uint)op));
            if (items.Count > 1) bi.Children.Add(TtlvElement.ByteString(Tag.UniqueBatchItemID, [(byte)n, 0xAB]));
            bi.Children.Add(payload.WithTag(Tag.RequestPayload));
            msg.Children.Add(bi);
            n++;
        }
        return msg;
    }

    public static TtlvElement Payload(params TtlvElement[] children) => TtlvElement.Structure(Tag.RequestPayload, children);

    public static TtlvElement Id(string id) => TtlvElement.TextString(Tag.UniqueIdentifier, id);

    public static TtlvElement Name(string name) => TtlvElement.Structure(Tag.Name,
        TtlvElement.TextString(Tag.NameValue, name), TtlvElement.Enumeration(Tag.NameType, (uint)NameType.UninterpretedTextString));

    public static TtlvElement Alg(CryptographicAlgorithm a) => TtlvElement.Enumeration(Tag.CryptographicAlgorithm, (uint)a);
    public static TtlvElement Len(int bits) => TtlvElement.Integer(Tag.CryptographicLength, bits);
    public static TtlvElement Mask(CryptographicUsageMask m) => TtlvElement.Integer(Tag.CryptographicUsageMask, (int)m);

    public static TtlvElement Tags(params string[] tags) => TtlvElement.Structure(Tag.Attribute,
        TtlvElement.TextString(Tag.VendorIdentification, "cosmian"),
        TtlvElement.TextString(Tag.AttributeName, "tag"),
        TtlvElement.TextString(Tag.AttributeValue, System.Text.Json.JsonSerializer.Serialize(tags)));

    public static TtlvElement Attrs(params TtlvElement[] attributes) => TtlvElement.Structure(Tag.Attributes, attributes);

    /// <summary>A 1.x Attribute {Name, [Index], Value}.</summary>
    public static TtlvElement Attr1(string name, TtlvElement value, int? index = null)
    {
        var a = TtlvElement.Structure(Tag.Attribute, TtlvElement.TextString(Tag.AttributeName, name));
        if (index is { } i) a.Children.Add(TtlvElement.Integer(Tag.AttributeIndex, i));
        a.Children.Add(value.WithTag(Tag.AttributeValue));
        return a;
    }

    public static TtlvElement Template(params TtlvElement[] attributes) => TtlvElement.Structure(Tag.TemplateAttribute, attributes);

    /// <summary>A 2.x Create of an AES key.</summary>
    public static TtlvElement CreateAes(int bits = 256, params TtlvElement[] extra)
        => Payload(TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.SymmetricKey),
            Attrs([Alg(CryptographicAlgorithm.AES), Len(bits),
                .. extra.Any(e => e.Tag == Tag.CryptographicUsageMask) ? Array.Empty<TtlvElement>() : [Mask(CryptographicUsageMask.Encrypt | CryptographicUsageMask.Decrypt)],
                .. extra]));

    /// <summary>A 1.x Create of an AES key.</summary>
    public static TtlvElement CreateAes1(int bits = 256, params TtlvElement[] extra)
        => Payload(TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.SymmetricKey),
            Template([Attr1("Cryptographic Algorithm", Alg(CryptographicAlgorithm.AES)), Attr1("Cryptographic Length", Len(bits)),
                Attr1("Cryptographic Usage Mask", Mask(CryptographicUsageMask.Encrypt | CryptographicUsageMask.Decrypt)), .. extra]));

    public static TtlvElement RawKey(CryptographicAlgorithm alg, byte[] material) => TtlvElement.Structure(Tag.SymmetricKey,
        TtlvElement.Structure(Tag.KeyBlock,
            TtlvElement.Enumeration(Tag.KeyFormatType, (uint)KeyFormatType.Raw),
            TtlvElement.Structure(Tag.KeyValue, TtlvElement.ByteString(Tag.KeyMaterial, material)),
            Alg(alg), Len(material.Length * 8)));

    public static TtlvElement RevokeReason(RevocationReasonCode code) => TtlvElement.Structure(Tag.RevocationReason,
        TtlvElement.Enumeration(Tag.RevocationReasonCode, (uint)code));
}
