using System.Security.Cryptography;
using Kms.Engine.Model;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Operations;

/// <summary>Shared steps of Create and Register: client attributes in, server attributes set, lifecycle started.</summary>
internal static class ObjectBuilder
{
    /// <summary>Fails with Permission Denied unless the caller may create objects (privileged users).</summary>
    public static void RequireCreateRight(OperationContext ctx)
    {
        if (!ctx.Engine.Access.MayCreate(ctx.Caller.User)) throw KmipFault.Denied();
    }

    public static ManagedObject NewObject(OperationContext ctx, ObjectType type) => new()
    {
        Id = NewId(),
        ObjectType = type,
        Owner = ctx.Caller.User,
    };

    /// <summary>
    /// A new Unique Identifier: a random (version 4, RFC 9562 §5.4) UUID in its 36-character form, as
    /// <see cref="Guid.NewGuid"/> makes them. Its 122 random bits come from the CSPRNG through
    /// <see cref="Crypto.RandomSource.FillNonce"/> (an id is public, like a nonce): <c>Guid.NewGuid</c> reads
    /// /dev/urandom with one system call per id on Linux.
    /// </summary>
    public static string NewId()
    {
        Span<byte> bytes = stackalloc byte[16];
        Crypto.RandomSource.FillNonce(bytes);
        // Guid's byte order is little-endian for its first three fields: byte 7 holds the version nibble, byte 8 the variant.
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes).ToString();
    }

    /// <summary>
    /// Applies the client's attributes of a Create/Register. Server-only attributes are refused (2.x
    /// Attribute Read Only, 1.x Invalid Field); a second instance of a single-valued attribute is refused;
    /// the user-tag vendor attribute becomes the object's user tags.
    /// </summary>
    public static void ApplyClientAttributes(OperationContext ctx, ManagedObject obj, List<AttributeCodec.Incoming> attributes)
    {
        foreach (var (value, _) in attributes)
        {
            if (AttributeCodec.IsTagAttribute(value))
            {
                foreach (var t in AttributeCodec.ParseTags(value, allowSystem: false)) obj.UserTags.Add(t);
                continue;
            }
            if (value.Tag == Tag.ObjectType)
            {
                if (value.Type != ItemType.Enumeration || value.UInt32 != (uint)obj.ObjectType)
                    throw new KmipFault(ResultReason.InvalidObjectType, "Object Type attribute does not match", ResultReason.InvalidField);
                continue;
            }
            if (AttributeRules.IsServerOnly(value.Tag))
                throw new KmipFault(ResultReason.AttributeReadOnly, "Attribute is set by the server", ResultReason.InvalidField);
            AttributeEditor.CheckValue(value);
            if (AttributeRules.IsMulti(value.Tag))
            {
                if (value.Tag == Tag.Name && NameExists(obj, value))
                    throw new KmipFault(ResultReason.NonUniqueNameAttribute, "Duplicate Name", ResultReason.InvalidField);
                obj.AddInstance(value);
            }
            else
            {
                if (obj.Has(AttributeKey.Of(value))) throw new KmipFault(ResultReason.AttributeSingleValued, "Single-valued attribute given twice", ResultReason.InvalidField);
                obj.AddInstance(value);
            }
        }
    }

    /// <summary>Whether the object already has a Name with the same Name Value.</summary>
    public static bool NameExists(ManagedObject obj, TtlvElement name)
    {
        var text = name.Find(Tag.NameValue)?.Text;
        foreach (var a in obj.All(new AttributeKey(Tag.Name, null, null)))
            if (string.Equals(a.Value.Find(Tag.NameValue)?.Text, text, StringComparison.Ordinal)) return true;
        return false;
    }

    /// <summary>The Lease Time (seconds) given to new cryptographic objects (KMIP 2.1 §4.28): one hour.</summary>
    public const uint LeaseTimeSeconds = 3600;

    /// <summary>
    /// The Random Number Generator attribute (KMIP 2.1 §4.50, RNG Parameters §2.1.14) of keys this server generates:
    /// they come from .NET <see cref="RandomNumberGenerator"/> (directly, or through BouncyCastle's <c>Crypto.Keys.Random</c>,
    /// which reads it without a generator of its own), i.e. OpenSSL's RAND_bytes on Linux (and BCryptGenRandom on
    /// Windows), whose default generator is the NIST SP 800-90A CTR_DRBG with AES-256. One shared instance: never changed.
    /// </summary>
    public static TtlvElement GeneratorAttribute() => s_generator;

    // Attribute values that are the same for many new objects, made once and shared (never changed: an object loaded
    // later is decoded into its own elements). Each one made per Create costs an allocation of the tree.
    private static readonly TtlvElement s_generator = TtlvElement.Structure(Tag.RandomNumberGenerator,
        TtlvElement.Enumeration(Tag.RNGAlgorithm, (uint)RNGAlgorithm.DRBG),
        TtlvElement.Enumeration(Tag.CryptographicAlgorithm, (uint)CryptographicAlgorithm.AES),
        TtlvElement.Integer(Tag.CryptographicLength, 256),
        TtlvElement.Enumeration(Tag.DRBGAlgorithm, (uint)DRBGAlgorithm.CTR));
    private static readonly TtlvElement s_sha256 = TtlvElement.Enumeration(Tag.HashingAlgorithm, (uint)HashingAlgorithm.SHA_256);
    private static readonly TtlvElement s_keyValuePresent = TtlvElement.Boolean(Tag.KeyValuePresent, true);
    private static readonly TtlvElement s_notSensitive = TtlvElement.Boolean(Tag.Sensitive, false);
    private static readonly TtlvElement s_extractable = TtlvElement.Boolean(Tag.Extractable, true);
    private static readonly TtlvElement s_alwaysSensitive = TtlvElement.Boolean(Tag.AlwaysSensitive, true);
    private static readonly TtlvElement s_notAlwaysSensitive = TtlvElement.Boolean(Tag.AlwaysSensitive, false);
    private static readonly TtlvElement s_neverExtractable = TtlvElement.Boolean(Tag.NeverExtractable, true);
    private static readonly TtlvElement s_notNeverExtractable = TtlvElement.Boolean(Tag.NeverExtractable, false);
    private static readonly TtlvElement s_software = TtlvElement.Integer(Tag.ProtectionStorageMask, (int)ProtectionStorageMask.Software);
    private static readonly TtlvElement s_leaseTime = TtlvElement.Interval(Tag.LeaseTime, LeaseTimeSeconds);
    private static readonly TtlvElement s_preActive = TtlvElement.Enumeration(Tag.State, (uint)State.PreActive);
    private static readonly TtlvElement s_fresh = TtlvElement.Boolean(Tag.Fresh, true);
    private static readonly TtlvElement s_rawFormat = TtlvElement.Enumeration(Tag.KeyFormatType, (uint)KeyFormatType.Raw);
    private static readonly TtlvElement[] s_objectTypes = [.. Enumerable.Range(0, 16).Select(t => TtlvElement.Enumeration(Tag.ObjectType, (uint)t))];

    /// <summary>The Object Type item (KMIP 2.1 §4.37) of <paramref name="type"/>; shared, never changed.</summary>
    public static TtlvElement ObjectTypeElement(ObjectType type)
        => (uint)type < (uint)s_objectTypes.Length ? s_objectTypes[(int)type] : TtlvElement.Enumeration(Tag.ObjectType, (uint)type);

    /// <summary>The Key Format Type item of Raw keys (KMIP 2.1 §4.26); shared, never changed.</summary>
    public static TtlvElement RawFormat => s_rawFormat;

    /// <summary>Sets the server-managed attributes of a new object and starts its lifecycle (KMIP 2.1 §3.1).</summary>
    public static void Finish(OperationContext ctx, ManagedObject obj)
    {
        obj.SetSingle(TtlvElement.TextString(Tag.UniqueIdentifier, obj.Id));
        // KMIP 2.1 §4.55: a short (fixed 32-byte) form of the Unique Identifier: its SHA-256.
        obj.SetSingle(TtlvElement.ByteString(Tag.ShortUniqueIdentifier, ShortUniqueIdentifier(obj.Id)));
        obj.SetSingle(ObjectTypeElement(obj.ObjectType));
        var keyBlock = obj.Value?.Find(Tag.KeyBlock);
        if (keyBlock is not null)
        {
            if (obj.Get(Tag.CryptographicAlgorithm) is null && keyBlock.Find(Tag.CryptographicAlgorithm) is { } alg) obj.AddInstance(alg);
            if (obj.Get(Tag.CryptographicLength) is null && keyBlock.Find(Tag.CryptographicLength) is { } len) obj.AddInstance(len);
            var storedFormat = keyBlock.Find(Tag.KeyFormatType);
            if (keyBlock.FindPath(Tag.KeyValue, Tag.KeyMaterial) is { Type: ItemType.ByteString } material && storedFormat is not null)
            {
                obj.AddInstance(TtlvElement.Structure(Tag.Digest,
                    s_sha256,
                    TtlvElement.ByteString(Tag.DigestValue, SHA256.HashData(material.Bytes)),
                    storedFormat));
            }
            obj.SetSingle(s_keyValuePresent);
            // KMIP 2.1 §4.52 / §4.20 (1.4 §3.57 / §3.59): Sensitive defaults to False, Extractable to True.
            var sensitive = obj.Get(Tag.Sensitive);
            if (sensitive is null) obj.SetSingle(sensitive = s_notSensitive);
            var extractable = obj.Get(Tag.Extractable);
            if (extractable is null) obj.SetSingle(extractable = s_extractable);
            obj.SetSingle(sensitive.Bool ? s_alwaysSensitive : s_notAlwaysSensitive);
            obj.SetSingle(extractable.Bool ? s_notNeverExtractable : s_neverExtractable);
            // KMIP 2.1 §4.26: the Key Format Type the key is stored in (an attribute since 2.0).
            if (storedFormat is not null) obj.SetSingle(storedFormat);
            // KMIP 2.1 §4.48: where the object is protected; this server keeps keys in software (its encrypted store).
            if (obj.Get(Tag.ProtectionStorageMask) is null) obj.SetSingle(s_software);
            // KMIP 2.1 §4.28 (1.4 §3.15): the lease the server grants a client on the object.
            obj.SetSingle(s_leaseTime);
        }
        CertificateAttributes.Derive(obj);
        obj.SetSingle(s_preActive);
        obj.SetSingle(TtlvElement.DateTime(Tag.InitialDate, ctx.Now));
        obj.SetSingle(TtlvElement.DateTime(Tag.LastChangeDate, ctx.Now));
        if (obj.Get(Tag.OriginalCreationDate) is null) obj.SetSingle(TtlvElement.DateTime(Tag.OriginalCreationDate, ctx.Now));
        if (obj.Get(Tag.Fresh) is null) obj.SetSingle(s_fresh);
        // An Activation Date in the past (or now) makes the object Active at once.
        Lifecycle.Refresh(obj, ctx.Now);
        ctx.UniqueIdentifier = obj.Id;
    }

    // SHA-256 of the id's UTF-8 bytes (ids are short: the bytes stay on the stack).
    private static byte[] ShortUniqueIdentifier(string id)
    {
        int max = System.Text.Encoding.UTF8.GetMaxByteCount(id.Length);
        Span<byte> utf8 = max <= 256 ? stackalloc byte[256] : new byte[max];
        return SHA256.HashData(utf8[..System.Text.Encoding.UTF8.GetBytes(id, utf8)]);
    }
}
