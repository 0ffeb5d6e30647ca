using System.Buffers;
using System.Diagnostics;
using System.Text;
using Kms.Engine.Access;
using Kms.Engine.Storage;
using Kms.Ttlv;

namespace Kms.Engine.Messages;

/// <summary>
/// The allocation-free path of <see cref="MessageProcessor"/> for its most common message: one batch item that is
/// a plain Get (KMIP 2.1 §6.1.22, 1.4 §4.11) of an object served as stored, in any protocol version 1.0–2.1. It reads
/// the request with <see cref="TtlvReader"/>, takes the decoded object from the engine's <see cref="ObjectCache"/>
/// and writes the response with <see cref="TtlvWriter"/> straight into the output.
/// </summary>
/// <remarks>
/// It answers only what it can answer exactly as the tree path (the one reference implementation) would, byte for
/// byte: a whitelisted message shape whose Get succeeds without a write. Anything else (other header fields,
/// several items, a Key Format Type, wrapping, an unknown id, a denied caller, a destroyed, archived, sensitive,
/// non-extractable or Fresh object, a store failure) returns false before anything is written, and the tree path
/// answers. A differential test runs both paths over many request variants.
/// </remarks>
internal static class FastPath
{
    /// <summary>Longest Unique Identifier (UTF-8 bytes) the fast path decodes on the stack; longer ones take the tree path.</summary>
    private const int MaxIdBytes = 256;

    /// <summary>The fields of a request the fast path may serve; spans borrow the request buffer.</summary>
    private ref struct FastRequest
    {
        public KmipVersion Requested;
        public Operation Operation;
        public ReadOnlySpan<byte> CorrelationValue;
        public bool HasCorrelationValue;
        public ReadOnlySpan<byte> BatchItemId;
        public bool HasBatchItemId;
        public ReadOnlySpan<byte> UniqueIdentifier;
    }

    /// <summary>Answers <paramref name="request"/> if it has a shape this path serves; false (nothing written) otherwise.</summary>
    public static bool TryProcess(EngineCore engine, ReadOnlySpan<byte> request, IBufferWriter<byte> output, CallerIdentity caller)
    {
        var limits = engine.Options.Limits;
        if (request.Length > limits.MaxMessageSize || !TryParse(request, limits.MaxDepth, out var req)) return false;
        if (!MessageProcessor.TryServe(req.Requested, out var version)) return false;
        long start = Stopwatch.GetTimestamp();
        return req.Operation switch
        {
            Operation.Get => TryGet(engine, ref req, version, start, output, caller),
            _ => false,
        };
    }

    private static bool TryGet(EngineCore engine, ref FastRequest req, KmipVersion version, long start, IBufferWriter<byte> output, CallerIdentity caller)
    {
        var idBytes = req.UniqueIdentifier;
        if (idBytes.Length is 0 or > MaxIdBytes) return false;
        Span<char> id = stackalloc char[MaxIdBytes];
        id = id[..Encoding.UTF8.GetChars(idBytes, id)];
        CachedObject? entry;
        try
        {
            if (!engine.Cache.TryGet(id, out entry)) return false;
        }
        catch (Exception e) when (e is InvalidOperationException or InvalidDataException or IOException or ObjectDisposedException)
        {
            return false; // the tree path reports the failure
        }
        // The same rule as OperationContext.Load (owner, or a Get grant directly or through "*"); a caller that may
        // not act gets Permission Denied or Object Not Found from the tree path.
        if (!entry.Gettable || !AccessControl.MayAct(entry.Object, caller.User, Permission.Get)) return false;

        var value = entry.EncodedValue!;
        var writer = new TtlvWriter(output, 160 + req.CorrelationValue.Length + req.BatchItemId.Length + idBytes.Length + value.Length);
        try
        {
            StartResponse(ref writer, engine, ref req, version);
            writer.StartStructure(Tag.ResponsePayload);
            writer.WriteEnum(Tag.ObjectType, (uint)entry.Object.ObjectType);
            writer.WriteTextUtf8(Tag.UniqueIdentifier, idBytes);
            writer.WriteRaw(value);
            writer.EndStructure();
            EndResponse(ref writer);
        }
        finally { writer.Dispose(); }
        Audit(engine, caller, req.Operation, entry.Object.Id, start);
        return true;
    }

    /// <summary>Response Header and the batch item up to its payload, as MessageProcessor.BuildResponse writes a success.</summary>
    private static void StartResponse(ref TtlvWriter w, EngineCore engine, ref FastRequest req, KmipVersion version)
    {
        w.StartStructure(Tag.ResponseMessage);
        w.StartStructure(Tag.ResponseHeader);
        w.StartStructure(Tag.ProtocolVersion);
        w.WriteInt32(Tag.ProtocolVersionMajor, version.Major);
        w.WriteInt32(Tag.ProtocolVersionMinor, version.Minor);
        w.EndStructure();
        w.WriteDateTime(Tag.TimeStamp, engine.NowSeconds);
        if (version >= KmipVersion.V1_4 && req.HasCorrelationValue) w.WriteTextUtf8(Tag.ClientCorrelationValue, req.CorrelationValue);
        w.WriteInt32(Tag.BatchCount, 1);
        w.EndStructure();
        w.StartStructure(Tag.BatchItem);
        w.WriteEnum(Tag.Operation, (uint)req.Operation);
        if (req.HasBatchItemId) w.WriteBytes(Tag.UniqueBatchItemID, req.BatchItemId);
        w.WriteEnum(Tag.ResultStatus, (uint)ResultStatus.Success);
    }

    private static void EndResponse(ref TtlvWriter w)
    {
        w.EndStructure(); // Batch Item
        w.EndStructure(); // Response Message
    }

    private static void Audit(EngineCore engine, CallerIdentity caller, Operation operation, string id, long start)
    {
        if (engine.Options.Audit is not { } audit) return;
        var entry = new AuditEntry(engine.Options.Clock.GetUtcNow(), caller, operation, id, ResultStatus.Success, null, Stopwatch.GetElapsedTime(start));
        audit.Record(in entry);
    }

    /// <summary>
    /// Reads a Request Message of the shape {Header {Protocol Version, Batch Count = 1, [Client Correlation Value]},
    /// one Batch Item {Operation, [Unique Batch Item ID], Request Payload {Unique Identifier (text)}}}: each field at
    /// most once, in any order, nothing else. The whole message must be valid TTLV and nothing may follow it.
    /// </summary>
    private static bool TryParse(ReadOnlySpan<byte> request, int maxDepth, out FastRequest req)
    {
        req = default;
        var r = new TtlvReader(request, maxDepth);
        if (!Start(ref r, Tag.RequestMessage) || !Start(ref r, Tag.RequestHeader)) return false;
        bool version = false, count = false;
        while (r.Read() && r.Token != TtlvToken.EndStructure)
        {
            switch (r.Tag)
            {
                case Tag.ProtocolVersion when !version && r.Token == TtlvToken.StartStructure:
                    if (!Value(ref r, Tag.ProtocolVersionMajor, ItemType.Integer)) return false;
                    int major = r.GetInt32();
                    if (!Value(ref r, Tag.ProtocolVersionMinor, ItemType.Integer)) return false;
                    req.Requested = new KmipVersion(major, r.GetInt32());
                    if (!End(ref r)) return false;
                    version = true;
                    break;
                case Tag.BatchCount when !count && r.Type == ItemType.Integer && r.GetInt32() == 1:
                    count = true;
                    break;
                case Tag.ClientCorrelationValue when !req.HasCorrelationValue && r.Type == ItemType.TextString:
                    req.CorrelationValue = r.ValueSpan;
                    req.HasCorrelationValue = true;
                    break;
                default:
                    return false;
            }
        }
        if (r.Token != TtlvToken.EndStructure || !version || !count) return false;

        if (!Start(ref r, Tag.BatchItem)) return false;
        bool operation = false, payload = false;
        while (r.Read() && r.Token != TtlvToken.EndStructure)
        {
            switch (r.Tag)
            {
                case Tag.Operation when !operation && r.Type == ItemType.Enumeration:
                    req.Operation = (Operation)r.GetUInt32();
                    operation = true;
                    break;
                case Tag.UniqueBatchItemID when !req.HasBatchItemId && r.Type == ItemType.ByteString:
                    req.BatchItemId = r.ValueSpan;
                    req.HasBatchItemId = true;
                    break;
                case Tag.RequestPayload when !payload && r.Token == TtlvToken.StartStructure:
                    if (!ReadPayload(ref r, out req.UniqueIdentifier)) return false;
                    payload = true;
                    break;
                default:
                    return false;
            }
        }
        if (r.Token != TtlvToken.EndStructure || !operation || !payload) return false;
        // The Request Message ends here, and nothing follows it.
        return End(ref r) && !r.Read() && r.IsComplete;
    }

    /// <summary>A Get payload: exactly one Unique Identifier (Text String).</summary>
    private static bool ReadPayload(scoped ref TtlvReader r, out ReadOnlySpan<byte> uniqueIdentifier)
    {
        uniqueIdentifier = default;
        bool id = false;
        while (r.Read() && r.Token != TtlvToken.EndStructure)
        {
            switch (r.Tag)
            {
                case Tag.UniqueIdentifier when !id && r.Type == ItemType.TextString:
                    uniqueIdentifier = r.ValueSpan;
                    id = true;
                    break;
                default:
                    return false;
            }
        }
        return r.Token == TtlvToken.EndStructure && id;
    }

    private static bool Start(ref TtlvReader r, Tag tag) => r.Read() && r.Token == TtlvToken.StartStructure && r.Tag == tag;

    private static bool Value(ref TtlvReader r, Tag tag, ItemType type) => r.Read() && r.Token == TtlvToken.Value && r.Tag == tag && r.Type == type;

    private static bool End(ref TtlvReader r) => r.Read() && r.Token == TtlvToken.EndStructure;
}
