using System.Buffers;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using Kms.Engine.Access;
using Kms.Engine.Crypto;
using Kms.Engine.Operations;
using Kms.Engine.Storage;
using Kms.Ttlv;

namespace Kms.Engine.Messages;

/// <summary>
/// The allocation-free path of <see cref="MessageProcessor"/> for its most common messages, one batch item in any
/// protocol version 1.0–2.1: a Get (KMIP 2.1 §6.1.22, 1.4 §4.11) of an object served as stored (no Key Format Type, or
/// the stored one), and a single-part Encrypt or Decrypt (§6.1.18, §6.1.11) with a symmetric key. It reads the request
/// with <see cref="TtlvReader"/>, takes the decoded object from the engine's <see cref="ObjectCache"/> and writes the
/// response with <see cref="TtlvWriter"/> straight into the output.
/// </summary>
/// <remarks>
/// It answers only what it can answer exactly as the tree path (the one reference implementation) would, byte for
/// byte: a whitelisted message shape whose operation succeeds without a write. Anything else (other header or payload
/// fields, several items, a conversion, wrapping, multi-part cipher, an unknown id, a denied caller, a destroyed,
/// archived, sensitive, non-extractable or Fresh object, a key in the wrong state or without the usage, a crypto
/// failure, a store failure) returns false before anything is committed to the output, and the tree path answers. The access and key
/// rules are the tree path's own (<see cref="AccessControl.MayAct"/>, <see cref="CryptoSupport.KeyFault(in KeyUse, long, CryptographicUsageMask, ReadOnlySpan{State})"/>), with
/// date-driven state evaluated at read time. A differential test (FastPathTests) runs both paths over many request
/// variants and versions.
/// <para>A client repeating one message shape (an Encrypt loop) is served from three per-thread memos, each checked
/// against what it depends on: the request's parse (<see cref="ParseMemo"/>, keyed by the request's bytes without its
/// byte-string values), the object (<see cref="ObjectCache.TryGetUtf8"/>, invalidated by any commit of its stripe) and
/// the Encrypt response's layout (<see cref="EncryptLayout"/>, keyed by the shape, the second and the cipher parameters).</para>
/// </remarks>
internal static class FastPath
{
    /// <summary>Where a value is in the request message: its offset and length.</summary>
    private readonly record struct Segment(int Start, int Length)
    {
        public ReadOnlySpan<byte> Of(ReadOnlySpan<byte> message) => message.Slice(Start, Length);

        public static Segment At(in TtlvReader r) => new(r.ValueOffset, r.ValueLength);
    }

    /// <summary>The fields of a request the fast path may serve; values are <see cref="Segment"/>s of the request message.</summary>
    private struct FastRequest
    {
        public KmipVersion Requested;
        public Operation Operation;
        public Segment CorrelationValue;
        public bool HasCorrelationValue;
        public Segment BatchItemId;
        public bool HasBatchItemId;
        public FastPayload Payload;
        /// <summary>This thread's <see cref="ParseMemo"/> number for the request's shape, or -1 when not remembered.</summary>
        public long Shape;
    }

    /// <summary>The Cryptographic Parameters fields the fast path knows; null = absent.</summary>
    private struct ParameterFields
    {
        public uint? Algorithm;
        public uint? Mode;
        public uint? Padding;
        public int? TagLength;
        public bool HasRandomIv;
    }

    /// <summary>
    /// The Request Payload fields the fast path knows (Get: Unique Identifier only; Encrypt/Decrypt: single-part,
    /// with Cryptographic Parameters limited to the fields that drive a symmetric cipher).
    /// </summary>
    private struct FastPayload
    {
        public Segment UniqueIdentifier;
        public bool HasUniqueIdentifier;
        public Segment Data;
        public bool HasData;
        public Segment Iv;
        public bool HasIv;
        public Segment Aad;
        public bool HasAad;
        public Segment AuthenticationTag;
        public bool HasAuthenticationTag;
        public bool HasParameters;
        public ParameterFields Parameters;
        public uint? KeyFormatType;

        /// <summary>True when nothing but the Unique Identifier and a Key Format Type was given (Get).</summary>
        public readonly bool IsGet => HasUniqueIdentifier && !HasData && !HasIv && !HasAad && !HasAuthenticationTag && !HasParameters;
    }

    /// <summary>
    /// The last request this thread parsed, without its payload's byte-string values (Data, IV, AAD, tag). A request
    /// whose other bytes are the same parses the same: byte-string values are opaque to TTLV, and their lengths and
    /// padding are among the bytes compared. So a client repeating one message shape (encrypting in a loop) costs a
    /// comparison of ~100-200 bytes instead of a parse.
    /// </summary>
    private sealed class ParseMemo
    {
        /// <summary>Longest request (without its byte-string values) remembered.</summary>
        internal const int MaxBytes = 512;
        internal readonly byte[] Bytes = new byte[MaxBytes];
        internal readonly Segment[] Holes = new Segment[4];
        internal int HoleCount;
        internal int Length = -1; // of the whole request; -1: nothing remembered
        internal int MaxDepth;
        internal FastRequest Request;
        private long _shapes; // shapes remembered so far on this thread: numbers each one

        internal bool Matches(ReadOnlySpan<byte> request, int maxDepth)
        {
            if (request.Length != Length || maxDepth != MaxDepth) return false;
            int at = 0, kept = 0;
            for (int i = 0; i < HoleCount; i++)
            {
                var hole = Holes[i];
                int n = hole.Start - at;
                if (!request.Slice(at, n).SequenceEqual(Bytes.AsSpan(kept, n))) return false;
                kept += n;
                at = hole.Start + hole.Length;
            }
            return request[at..].SequenceEqual(Bytes.AsSpan(kept, request.Length - at));
        }

        internal void Remember(ReadOnlySpan<byte> request, int maxDepth, ref FastRequest req)
        {
            Length = -1;
            req.Shape = -1;
            ref readonly var p = ref req.Payload;
            HoleCount = 0;
            if (p.HasData) Holes[HoleCount++] = p.Data;
            if (p.HasIv) Holes[HoleCount++] = p.Iv;
            if (p.HasAad) Holes[HoleCount++] = p.Aad;
            if (p.HasAuthenticationTag) Holes[HoleCount++] = p.AuthenticationTag;
            Holes.AsSpan(0, HoleCount).Sort(static (a, b) => a.Start.CompareTo(b.Start));
            int at = 0, kept = 0;
            for (int i = 0; i <= HoleCount; i++)
            {
                int end = i < HoleCount ? Holes[i].Start : request.Length;
                if (kept + end - at > MaxBytes) return;
                request[at..end].CopyTo(Bytes.AsSpan(kept));
                kept += end - at;
                if (i < HoleCount) at = Holes[i].Start + Holes[i].Length;
            }
            req.Shape = ++_shapes;
            Request = req;
            MaxDepth = maxDepth;
            Length = request.Length;
        }
    }

    [ThreadStatic] private static ParseMemo? t_parsed;

    /// <summary><see cref="TryParse"/>, answered from this thread's <see cref="ParseMemo"/> when the request has the last one's shape.</summary>
    private static bool TryParseRemembered(ReadOnlySpan<byte> request, int maxDepth, out FastRequest req)
    {
        var memo = t_parsed ??= new ParseMemo();
        if (memo.Matches(request, maxDepth))
        {
            req = memo.Request;
            return true;
        }
        if (!TryParse(request, maxDepth, out req)) return false;
        memo.Remember(request, maxDepth, ref req);
        return true;
    }

    /// <summary>Answers <paramref name="request"/> if it has a shape this path serves; false (nothing committed to <paramref name="output"/>) otherwise.</summary>
    public static bool TryProcess(EngineCore engine, ReadOnlySpan<byte> request, IBufferWriter<byte> output, CallerIdentity caller)
    {
        var limits = engine.Options.Limits;
        if (request.Length > limits.MaxMessageSize || !TryParseRemembered(request, limits.MaxDepth, out var req)) return false;
        if (!MessageProcessor.TryServe(req.Requested, out var version) || !MessageProcessor.OperationExists(req.Operation, version)) return false;
        long start = engine.Options.Audit is null ? 0 : Stopwatch.GetTimestamp();
        long now = engine.NowSeconds; // one reading for the whole message, as the tree path
        return req.Operation switch
        {
            Operation.Get => TryGet(engine, request, ref req, version, now, start, output, caller),
            Operation.Encrypt => TryCipher(engine, request, ref req, version, now, start, output, caller, encrypt: true),
            Operation.Decrypt => TryCipher(engine, request, ref req, version, now, start, output, caller, encrypt: false),
            _ => false,
        };
    }

    private static bool TryGet(EngineCore engine, ReadOnlySpan<byte> request, ref FastRequest req, KmipVersion version, long now, long start, IBufferWriter<byte> output, CallerIdentity caller)
    {
        var idBytes = req.Payload.UniqueIdentifier.Of(request);
        if (!req.Payload.IsGet || !TryLoad(engine, idBytes, caller, Permission.Get, out var entry) || !entry.Gettable) return false;
        // KeyFormatConversion.Convert returns the object as stored when the requested format is the stored one.
        if (req.Payload.KeyFormatType is { } format && format != entry.StoredFormat) return false;

        var value = entry.EncodedValue!;
        var writer = new TtlvWriter(output, 160 + req.CorrelationValue.Length + req.BatchItemId.Length + idBytes.Length + value.Length);
        try
        {
            StartResponse(ref writer, now, request, in req, version);
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

    private static ReadOnlySpan<State> EncryptStates => [State.Active];
    private static ReadOnlySpan<State> DecryptStates => [State.Active, State.Deactivated, State.Compromised];

    /// <summary>
    /// Single-part Encrypt/Decrypt with a symmetric key (KMIP 2.1 §6.1.18, §6.1.11), as CipherCore.Run does it: the same
    /// key checks (CryptoSupport.KeyFault), the request's Cryptographic Parameters over the object's, a generated IV
    /// when Encrypt gets none, the tag returned (Encrypt) or checked (Decrypt) for AEAD modes. Encrypt writes the ciphertext,
    /// IV and tag straight into the response (<see cref="TryEncrypt"/>); Decrypt, whose output length is known only once the
    /// padding is checked, goes through a pooled buffer that is cleared before it returns to the pool.
    /// </summary>
    private static bool TryCipher(EngineCore engine, ReadOnlySpan<byte> request, ref FastRequest req, KmipVersion version, long now, long start, IBufferWriter<byte> output, CallerIdentity caller, bool encrypt)
    {
        ref readonly var p = ref req.Payload;
        if (!p.HasData || p.KeyFormatType is not null) return false;
        var idBytes = p.UniqueIdentifier.Of(request);
        if (!TryLoad(engine, idBytes, caller, encrypt ? Permission.Encrypt : Permission.Decrypt, out var entry) || entry.SymmetricKey is not { } key) return false;
        var usage = encrypt ? CryptographicUsageMask.Encrypt : CryptographicUsageMask.Decrypt;
        if (CryptoSupport.KeyFault(key.Use, now, usage, encrypt ? EncryptStates : DecryptStates) is not null) return false;
        if (encrypt && key.HasUsageLimits) return false; // each use is deducted and committed: the tree path does it

        uint alg = p.Parameters.Algorithm ?? key.StoredAlgorithm ?? 0;
        var sp = new SymmetricParameters(alg != 0 ? (CryptographicAlgorithm)alg : key.DefaultAlgorithm,
            (BlockCipherMode)(p.Parameters.Mode ?? key.StoredMode ?? 0),
            (PaddingMethod)(p.Parameters.Padding ?? key.StoredPadding ?? 0),
            p.Parameters.TagLength ?? key.StoredTagLength ?? 16);
        // The checks CipherCore makes before any work; the tree path reports them.
        if (!sp.HasPossibleTagLength) return false;
        int ivLength = sp.DefaultIvLength;
        bool aead = sp.IsAead;
        if (!encrypt && !p.HasIv && ivLength > 0) return false;
        var policy = engine.Options.Policy;
        ReadOnlySpan<byte> data = p.Data.Of(request), aad = p.Aad.Of(request), givenTag = p.AuthenticationTag.Of(request);
        int capacity = encrypt ? SymmetricCipher.GetCiphertextLength(sp, data.Length) : data.Length;
        if (capacity < 0) return false;
        if (encrypt)
        {
            if (!TryEncrypt(policy, in sp, key.Key, request, in req, version, now, idBytes, data, aad, capacity, output)) return false;
        }
        else
        {
            if (aead)
            {
                if (!p.HasAuthenticationTag) return false;
                sp = sp with { TagLength = givenTag.Length };
            }
            byte[] plaintext = ArrayPool<byte>.Shared.Rent(capacity);
            var writer = new TtlvWriter(output, 224 + req.CorrelationValue.Length + req.BatchItemId.Length + idBytes.Length + capacity);
            try
            {
                if (!TryCrypt(policy, in sp, key.Key, p.Iv.Of(request), aad, data, givenTag, plaintext.AsSpan(0, capacity), default, encrypt, out int n)) return false;
                StartResponse(ref writer, now, request, in req, version);
                writer.StartStructure(Tag.ResponsePayload);
                writer.WriteTextUtf8(Tag.UniqueIdentifier, idBytes);
                writer.WriteBytes(Tag.Data, plaintext.AsSpan(0, n));
                writer.EndStructure();
                EndResponse(ref writer);
            }
            finally
            {
                writer.Dispose();
                ArrayPool<byte>.Shared.Return(plaintext, clearArray: true);
            }
        }
        Audit(engine, caller, req.Operation, entry.Object.Id, start);
        return true;
    }

    /// <summary>
    /// The layout of this thread's last Encrypt response: its bytes around the ciphertext (the IV and tag values are
    /// rewritten each time) and where the values go. A response is the same outside its values when the request has the
    /// same shape (<see cref="FastRequest.Shape"/>: version, ids, data length, parameters), the time is the same second and
    /// the cipher parameters and ciphertext length are the same; then it is copied instead of encoded.
    /// </summary>
    private sealed class EncryptLayout
    {
        internal const int MaxBytes = 1024;
        internal readonly byte[] Bytes = new byte[MaxBytes]; // the response without its ciphertext
        internal long Shape = -1;
        internal long Now;
        internal SymmetricParameters Parameters;
        internal int Capacity, Length, DataOffset, IvOffset, IvLength, TagOffset, TagLength;

        internal bool Matches(long shape, long now, in SymmetricParameters sp, int capacity)
            => shape >= 0 && shape == Shape && now == Now && capacity == Capacity && sp == Parameters;
    }

    [ThreadStatic] private static EncryptLayout? t_encryptLayout;

    /// <summary>
    /// Writes the Encrypt response (KMIP 2.1 §6.1.18): the ciphertext straight into it, the IV (when the request gives
    /// none) and the tag of an AEAD mode. On a failure nothing has been committed to <paramref name="output"/>.
    /// </summary>
    private static bool TryEncrypt(AlgorithmPolicy policy, in SymmetricParameters sp, byte[] key, ReadOnlySpan<byte> request, in FastRequest req,
        KmipVersion version, long now, ReadOnlySpan<byte> idBytes, ReadOnlySpan<byte> data, ReadOnlySpan<byte> aad, int capacity, IBufferWriter<byte> output)
    {
        var layout = t_encryptLayout ??= new EncryptLayout();
        Span<byte> response;
        int dataOffset, ivOffset, ivLength, tagOffset, tagLength;
        if (layout.Matches(req.Shape, now, in sp, capacity))
        {
            (dataOffset, ivOffset, ivLength, tagOffset, tagLength) = (layout.DataOffset, layout.IvOffset, layout.IvLength, layout.TagOffset, layout.TagLength);
            response = output.GetSpan(layout.Length)[..layout.Length];
            int after = dataOffset + capacity;
            layout.Bytes.AsSpan(0, dataOffset).CopyTo(response);
            layout.Bytes.AsSpan(dataOffset, response.Length - after).CopyTo(response[after..]);
        }
        else
        {
            bool generated = !req.Payload.HasIv && sp.DefaultIvLength > 0;
            ivLength = generated ? sp.DefaultIvLength : 0;
            tagLength = sp.IsAead ? sp.TagLength : 0;
            if (ivLength > 16) return false;
            // At most 216 bytes of headers and fixed-size items, plus the four variable values with up to 7 bytes of padding each.
            var span = output.GetSpan(216 + 28 + req.CorrelationValue.Length + req.BatchItemId.Length + idBytes.Length + capacity);
            var w = new TtlvWriter(span);
            StartResponse(ref w, now, request, in req, version);
            w.StartStructure(Tag.ResponsePayload);
            w.WriteTextUtf8(Tag.UniqueIdentifier, idBytes);
            dataOffset = w.BytesWritten + 8;
            w.ReserveBytes(Tag.Data, capacity);
            ivOffset = generated ? w.BytesWritten + 8 : 0;
            if (generated) w.ReserveBytes(Tag.IVCounterNonce, ivLength);
            tagOffset = tagLength > 0 ? w.BytesWritten + 8 : 0;
            if (tagLength > 0) w.ReserveBytes(Tag.AuthenticatedEncryptionTag, tagLength);
            w.EndStructure();
            EndResponse(ref w);
            if (w.Overflowed) return false;
            response = span[..w.BytesWritten];
            layout.Shape = -1;
            if (req.Shape >= 0 && response.Length - capacity <= EncryptLayout.MaxBytes)
            {
                response[..dataOffset].CopyTo(layout.Bytes);
                response[(dataOffset + capacity)..].CopyTo(layout.Bytes.AsSpan(dataOffset));
                // The IV and tag values are not written yet: whatever the output's memory held there is not kept.
                if (ivLength > 0) layout.Bytes.AsSpan(ivOffset - capacity, ivLength).Clear();
                if (tagLength > 0) layout.Bytes.AsSpan(tagOffset - capacity, tagLength).Clear();
                (layout.DataOffset, layout.IvOffset, layout.IvLength, layout.TagOffset, layout.TagLength) = (dataOffset, ivOffset, ivLength, tagOffset, tagLength);
                (layout.Shape, layout.Now, layout.Parameters, layout.Capacity, layout.Length) = (req.Shape, now, sp, capacity, response.Length);
            }
        }
        scoped ReadOnlySpan<byte> iv = req.Payload.Iv.Of(request);
        if (ivLength > 0)
        {
            var fresh = response.Slice(ivOffset, ivLength);
            RandomSource.FillNonce(fresh);
            iv = fresh;
        }
        if (!TryCrypt(policy, in sp, key, iv, aad, data, default, response.Slice(dataOffset, capacity), response.Slice(tagOffset, tagLength), encrypt: true, out _))
            return false;
        output.Advance(response.Length);
        return true;
    }

    /// <summary>
    /// Encrypts <paramref name="data"/> into <paramref name="output"/> (its exact ciphertext length) and <paramref name="tag"/>,
    /// or decrypts it into <paramref name="output"/> checking <paramref name="givenTag"/> (AEAD modes); false on any crypto
    /// failure (bad IV, tag, policy…), which the tree path reports.
    /// </summary>
    private static bool TryCrypt(AlgorithmPolicy policy, in SymmetricParameters sp, byte[] key, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> aad,
        ReadOnlySpan<byte> data, ReadOnlySpan<byte> givenTag, Span<byte> output, Span<byte> tag, bool encrypt, out int written)
    {
        try
        {
            written = encrypt
                ? SymmetricCipher.Encrypt(policy, sp, key, iv, aad, data, output, tag)
                : SymmetricCipher.Decrypt(policy, sp, key, iv, aad, data, sp.IsAead ? givenTag : default, output);
            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            written = 0;
            return false;
        }
    }

    /// <summary>
    /// The cached object named by <paramref name="idBytes"/> when <paramref name="caller"/> may act on it with
    /// <paramref name="permission"/>: the same rule as OperationContext.Load (owner, or the permission granted directly
    /// or through "*"). A caller that may not act gets Permission Denied or Object Not Found from the tree path.
    /// </summary>
    private static bool TryLoad(EngineCore engine, ReadOnlySpan<byte> idBytes, CallerIdentity caller, Permission permission, [NotNullWhen(true)] out CachedObject? entry)
    {
        entry = null;
        try
        {
            if (!engine.Cache.TryGetUtf8(idBytes, out entry)) return false;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return false; // a store failure: the tree path reports it (as a General Failure)
        }
        return AccessControl.MayAct(entry.Object, caller.User, permission);
    }

    /// <summary>Response Header and the batch item up to its payload, as MessageProcessor.BuildResponse writes a success.</summary>
    private static void StartResponse(ref TtlvWriter w, long now, ReadOnlySpan<byte> request, in FastRequest req, KmipVersion version)
    {
        w.StartStructure(Tag.ResponseMessage);
        w.StartStructure(Tag.ResponseHeader);
        w.StartStructure(Tag.ProtocolVersion);
        w.WriteInt32(Tag.ProtocolVersionMajor, version.Major);
        w.WriteInt32(Tag.ProtocolVersionMinor, version.Minor);
        w.EndStructure();
        w.WriteDateTime(Tag.TimeStamp, now);
        if (version >= KmipVersion.V1_4 && req.HasCorrelationValue) w.WriteTextUtf8(Tag.ClientCorrelationValue, req.CorrelationValue.Of(request));
        w.WriteInt32(Tag.BatchCount, 1);
        w.EndStructure();
        w.StartStructure(Tag.BatchItem);
        w.WriteEnum(Tag.Operation, (uint)req.Operation);
        if (req.HasBatchItemId) w.WriteBytes(Tag.UniqueBatchItemID, req.BatchItemId.Of(request));
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
                    req.CorrelationValue = Segment.At(in r);
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
                    req.BatchItemId = Segment.At(in r);
                    req.HasBatchItemId = true;
                    break;
                case Tag.RequestPayload when !payload && r.Token == TtlvToken.StartStructure:
                    if (!ReadPayload(ref r, out req.Payload)) return false;
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

    /// <summary>A Request Payload of known fields, each at most once and of its type; anything else fails.</summary>
    private static bool ReadPayload(scoped ref TtlvReader r, out FastPayload p)
    {
        p = default;
        while (r.Read() && r.Token != TtlvToken.EndStructure)
        {
            if (r.Token == TtlvToken.StartStructure)
            {
                if (r.Tag != Tag.CryptographicParameters || p.HasParameters || !ReadParameters(ref r, out p.Parameters)) return false;
                p.HasParameters = true;
                continue;
            }
            switch (r.Tag)
            {
                case Tag.UniqueIdentifier when !p.HasUniqueIdentifier && r.Type == ItemType.TextString:
                    p.UniqueIdentifier = Segment.At(in r);
                    p.HasUniqueIdentifier = true;
                    break;
                case Tag.Data when !p.HasData && r.Type == ItemType.ByteString:
                    p.Data = Segment.At(in r);
                    p.HasData = true;
                    break;
                case Tag.IVCounterNonce when !p.HasIv && r.Type == ItemType.ByteString:
                    p.Iv = Segment.At(in r);
                    p.HasIv = true;
                    break;
                case Tag.AuthenticatedEncryptionAdditionalData when !p.HasAad && r.Type == ItemType.ByteString:
                    p.Aad = Segment.At(in r);
                    p.HasAad = true;
                    break;
                case Tag.KeyFormatType when p.KeyFormatType is null && r.Type == ItemType.Enumeration:
                    p.KeyFormatType = r.GetUInt32();
                    break;
                case Tag.AuthenticatedEncryptionTag when !p.HasAuthenticationTag && r.Type == ItemType.ByteString:
                    p.AuthenticationTag = Segment.At(in r);
                    p.HasAuthenticationTag = true;
                    break;
                default:
                    return false;
            }
        }
        return r.Token == TtlvToken.EndStructure && p.HasUniqueIdentifier;
    }

    /// <summary>Cryptographic Parameters (KMIP 2.1 §2.1.7) holding only Block Cipher Mode, Padding Method, Tag Length, Cryptographic Algorithm and Random IV.</summary>
    private static bool ReadParameters(scoped ref TtlvReader r, out ParameterFields p)
    {
        p = default;
        while (r.Read() && r.Token == TtlvToken.Value)
        {
            switch (r.Tag)
            {
                case Tag.BlockCipherMode when p.Mode is null && r.Type == ItemType.Enumeration: p.Mode = r.GetUInt32(); break;
                case Tag.PaddingMethod when p.Padding is null && r.Type == ItemType.Enumeration: p.Padding = r.GetUInt32(); break;
                case Tag.CryptographicAlgorithm when p.Algorithm is null && r.Type == ItemType.Enumeration: p.Algorithm = r.GetUInt32(); break;
                case Tag.TagLength when p.TagLength is null && r.Type == ItemType.Integer: p.TagLength = r.GetInt32(); break;
                // Random IV: CipherCore generates an IV whenever Encrypt gets none, whatever this says; the tree path reads it nowhere.
                case Tag.RandomIV when !p.HasRandomIv && r.Type == ItemType.Boolean: p.HasRandomIv = true; break;
                default: return false;
            }
        }
        return r.Token == TtlvToken.EndStructure;
    }

    private static bool Start(ref TtlvReader r, Tag tag) => r.Read() && r.Token == TtlvToken.StartStructure && r.Tag == tag;

    private static bool Value(ref TtlvReader r, Tag tag, ItemType type) => r.Read() && r.Token == TtlvToken.Value && r.Tag == tag && r.Type == type;

    private static bool End(ref TtlvReader r) => r.Read() && r.Token == TtlvToken.EndStructure;
}
