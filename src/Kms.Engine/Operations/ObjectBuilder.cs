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
        Id = Guid.NewGuid().ToString(),
        ObjectType = type,
        Owner = ctx.Caller.User,
    };

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
    /// Windows), whose default generator is the NIST SP 800-90A CTR_DRBG with AES-256.
    /// </summary>
    public static TtlvElement GeneratorAttribute() => TtlvElement.Structure(Tag.RandomNumberGenerator,
        TtlvElement.Enumeration(Tag.RNGAlgorithm, (uint)RNGAlgorithm.DRBG),
        TtlvElement.Enumeration(Tag.CryptographicAlgorithm, (uint)CryptographicAlgorithm.AES),
        TtlvElement.Integer(Tag.CryptographicLength, 256),
        TtlvElement.Enumeration(Tag.DRBGAlgorithm, (uint)DRBGAlgorithm.CTR));

    /// <summary>Sets the server-managed attributes of a new object and starts its lifecycle (KMIP 2.1 §3.1).</summary>
    public static void Finish(OperationContext ctx, ManagedObject obj)
    {
        obj.SetSingle(TtlvElement.TextString(Tag.UniqueIdentifier, obj.Id));
        // KMIP 2.1 §4.55: a short (fixed 32-byte) form of the Unique Identifier: its SHA-256.
        obj.SetSingle(TtlvElement.ByteString(Tag.ShortUniqueIdentifier, SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(obj.Id))));
        obj.SetSingle(TtlvElement.Enumeration(Tag.ObjectType, (uint)obj.ObjectType));
        var keyBlock = obj.Value?.Find(Tag.KeyBlock);
        if (keyBlock is not null)
        {
            if (obj.Get(Tag.CryptographicAlgorithm) is null && keyBlock.Find(Tag.CryptographicAlgorithm) is { } alg) obj.AddInstance(alg);
            if (obj.Get(Tag.CryptographicLength) is null && keyBlock.Find(Tag.CryptographicLength) is { } len) obj.AddInstance(len);
            if (keyBlock.FindPath(Tag.KeyValue, Tag.KeyMaterial) is { Type: ItemType.ByteString } material && keyBlock.Find(Tag.KeyFormatType) is { } kft)
            {
                obj.AddInstance(TtlvElement.Structure(Tag.Digest,
                    TtlvElement.Enumeration(Tag.HashingAlgorithm, (uint)HashingAlgorithm.SHA_256),
                    TtlvElement.ByteString(Tag.DigestValue, SHA256.HashData(material.Bytes)),
                    kft));
            }
            obj.SetSingle(TtlvElement.Boolean(Tag.KeyValuePresent, true));
            // KMIP 2.1 §4.52 / §4.20 (1.4 §3.57 / §3.59): Sensitive defaults to False, Extractable to True.
            if (obj.Get(Tag.Sensitive) is null) obj.SetSingle(TtlvElement.Boolean(Tag.Sensitive, false));
            if (obj.Get(Tag.Extractable) is null) obj.SetSingle(TtlvElement.Boolean(Tag.Extractable, true));
            obj.SetSingle(TtlvElement.Boolean(Tag.AlwaysSensitive, obj.Get(Tag.Sensitive)!.Bool));
            obj.SetSingle(TtlvElement.Boolean(Tag.NeverExtractable, !obj.Get(Tag.Extractable)!.Bool));
            // KMIP 2.1 §4.26: the Key Format Type the key is stored in (an attribute since 2.0).
            if (keyBlock.Find(Tag.KeyFormatType) is { } storedFormat) obj.SetSingle(storedFormat);
            // KMIP 2.1 §4.48: where the object is protected; this server keeps keys in software (its encrypted store).
            if (obj.Get(Tag.ProtectionStorageMask) is null)
                obj.SetSingle(TtlvElement.Integer(Tag.ProtectionStorageMask, (int)ProtectionStorageMask.Software));
            // KMIP 2.1 §4.28 (1.4 §3.15): the lease the server grants a client on the object.
            obj.SetSingle(TtlvElement.Interval(Tag.LeaseTime, LeaseTimeSeconds));
        }
        CertificateAttributes.Derive(obj);
        obj.SetSingle(TtlvElement.Enumeration(Tag.State, (uint)State.PreActive));
        obj.SetSingle(TtlvElement.DateTime(Tag.InitialDate, ctx.Now));
        obj.SetSingle(TtlvElement.DateTime(Tag.LastChangeDate, ctx.Now));
        if (obj.Get(Tag.OriginalCreationDate) is null) obj.SetSingle(TtlvElement.DateTime(Tag.OriginalCreationDate, ctx.Now));
        if (obj.Get(Tag.Fresh) is null) obj.SetSingle(TtlvElement.Boolean(Tag.Fresh, true));
        // An Activation Date in the past (or now) makes the object Active at once.
        Lifecycle.Refresh(obj, ctx.Now);
        ctx.UniqueIdentifier = obj.Id;
    }
}
