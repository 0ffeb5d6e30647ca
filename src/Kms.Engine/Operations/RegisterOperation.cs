using Kms.Engine.Model;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Operations;

/// <summary>
/// Register (KMIP 2.1 §6.1.40; 1.4 §4.3): stores a client-supplied Symmetric Key, Public Key, Private Key,
/// Secret Data, Certificate or Opaque Object as received (key blocks keep their Key Format Type and key
/// material). The object structure must match Object Type (Invalid Field otherwise). Cryptographic
/// Algorithm and Length default to those of the key block. A Private Key in Key Format Type PKCS#12 is stored as
/// its parts (<see cref="Pkcs12Objects"/>). A wrapped key is stored as received, or, when
/// <see cref="EngineOptions.UnwrapOnRegister"/> is set and it names a wrapping key of this KMS the caller may use,
/// unwrapped first (<see cref="KeyWrapping.TryUnwrap"/>). A key the algorithm policy forbids is refused. Sets the ID
/// Placeholder. Needs the create right.
/// </summary>
internal sealed class RegisterOperation : IKmipOperation
{
    public Operation Operation => Operation.Register;

    public TtlvElement Execute(OperationContext ctx, TtlvElement payload)
    {
        ObjectBuilder.RequireCreateRight(ctx);
        var value = ReadObject(payload, out var type);

        var obj = ObjectBuilder.NewObject(ctx, type);
        var attributes = AttributeCodec.ReadAttributes(payload, ctx.Version);
        if (Pkcs12Objects.IsPkcs12(type, value))
        {
            var password = Pkcs12Objects.TakePassword(ctx, attributes);
            ObjectBuilder.ApplyClientAttributes(ctx, obj, attributes);
            Pkcs12Objects.Expand(ctx, obj, value, password);
        }
        else
        {
            if (ctx.Engine.Options.UnwrapOnRegister) value = KeyWrapping.TryUnwrap(ctx, value) ?? value;
            obj.Value = value;
            ObjectBuilder.ApplyClientAttributes(ctx, obj, attributes);
            CryptoSupport.Describe(obj);
            CheckPolicy(ctx, obj);
        }
        if (type == ObjectType.Certificate && obj.Get(Tag.CertificateType) is null && value.Find(Tag.CertificateType) is { } ct)
            obj.AddInstance(ct);
        ObjectBuilder.Finish(ctx, obj);
        ctx.Save(obj, touch: false);
        ctx.Batch.IdPlaceholder = obj.Id;
        return OperationContext.PayloadWithId(obj.Id);
    }

    /// <summary>
    /// The Object Type and the object of a Register or Import payload: a supported type, the object structure that
    /// type names, and its content checked by <see cref="Validate"/>.
    /// </summary>
    internal static TtlvElement ReadObject(TtlvElement payload, out ObjectType type)
    {
        if (payload.Find(Tag.ObjectType) is not { Type: ItemType.Enumeration } typeElement) throw KmipFault.Missing("Object Type is required");
        type = (ObjectType)typeElement.UInt32;
        var valueTag = type is ObjectType.SymmetricKey or ObjectType.PublicKey or ObjectType.PrivateKey or ObjectType.SecretData
            or ObjectType.Certificate or ObjectType.OpaqueObject ? ManagedObject.ValueTag(type) : Tag.None;
        if (valueTag == Tag.None) throw new KmipFault(ResultReason.InvalidObjectType, "Unsupported Object Type", ResultReason.InvalidField);
        var value = payload.Find(valueTag) ?? throw KmipFault.Missing("The object is missing or does not match Object Type");
        Validate(type, value);
        return value;
    }

    /// <summary>
    /// Issue 4 Build 10: a key whose algorithm, length or curve the algorithm policy forbids (3DES unless enabled, a key
    /// outside the allowlist, a non-approved algorithm in FIPS mode …) is refused with Permission Denied before it is
    /// stored. Legacy RSA sizes that may still verify (1024 bits and up) can be registered.
    /// </summary>
    private static void CheckPolicy(OperationContext ctx, ManagedObject obj)
    {
        if (obj.ObjectType is not (ObjectType.SymmetricKey or ObjectType.PublicKey or ObjectType.PrivateKey)) return;
        var alg = CryptoSupport.Algorithm(obj);
        if (alg == 0) return;
        var block = obj.Value?.Find(Tag.KeyBlock);
        int bits = obj.Get(Tag.CryptographicLength) is { Type: ItemType.Integer } l ? l.Int32
            : block?.Find(Tag.CryptographicLength) is { Type: ItemType.Integer } bl ? bl.Int32 : 0;
        // A clear symmetric key's own length wins over what the client claims.
        if (obj.ObjectType == ObjectType.SymmetricKey && block?.Find(Tag.KeyWrappingData) is null
            && block?.FindPath(Tag.KeyValue, Tag.KeyMaterial) is { Type: ItemType.ByteString } km) bits = km.Bytes.Length * 8;
        var use = alg == CryptographicAlgorithm.RSA
            ? new Crypto.AlgorithmUse(Crypto.CryptoUse.Verify, alg, bits)
            : new Crypto.AlgorithmUse(Crypto.CryptoUse.Import, alg, bits, CryptoSupport.Curve(obj),
                alg == CryptographicAlgorithm.AES && bits == 512 ? BlockCipherMode.XTS : 0);
        if (!CryptoSupport.Policy(ctx).IsAllowed(use, out var denial))
            throw CryptoSupport.Fault(new Crypto.CryptoFailure(Crypto.CryptoFailureReason.PolicyDenied, denial!));
    }

    internal static void Validate(ObjectType type, TtlvElement value)
    {
        if (value.Type != ItemType.Structure) throw KmipFault.Invalid("The object must be a structure");
        switch (type)
        {
            case ObjectType.SymmetricKey or ObjectType.PublicKey or ObjectType.PrivateKey or ObjectType.SecretData:
                var block = value.Find(Tag.KeyBlock);
                if (block is not { Type: ItemType.Structure } || block.Find(Tag.KeyFormatType) is not { Type: ItemType.Enumeration })
                    throw KmipFault.Invalid("Key Block with Key Format Type is required");
                if (type == ObjectType.SecretData && value.Find(Tag.SecretDataType) is not { Type: ItemType.Enumeration })
                    throw KmipFault.Invalid("Secret Data Type is required");
                break;
            case ObjectType.Certificate:
                if (value.Find(Tag.CertificateType) is not { Type: ItemType.Enumeration } || value.Find(Tag.CertificateValue) is not { Type: ItemType.ByteString })
                    throw KmipFault.Invalid("Certificate Type and Certificate Value are required");
                break;
            case ObjectType.OpaqueObject:
                if (value.Find(Tag.OpaqueDataType) is not { Type: ItemType.Enumeration } || value.Find(Tag.OpaqueDataValue) is not { Type: ItemType.ByteString })
                    throw KmipFault.Invalid("Opaque Data Type and Opaque Data Value are required");
                break;
        }
    }
}
