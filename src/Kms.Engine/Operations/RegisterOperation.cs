using Kms.Engine.Model;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Operations;

/// <summary>
/// Register (KMIP 2.1 §6.1.40; 1.4 §4.3): stores a client-supplied Symmetric Key, Public Key, Private Key,
/// Secret Data, Certificate or Opaque Object as received (key blocks keep their Key Format Type and key
/// material). The object structure must match Object Type (Invalid Field otherwise). Cryptographic
/// Algorithm and Length default to those of the key block. A Private Key in Key Format Type PKCS#12 is stored as
/// its parts (<see cref="Pkcs12Objects"/>); a wrapped key is unwrapped first when <see cref="EngineOptions.UnwrapOnRegister"/>
/// is set and its wrapping key is in the KMS. Sets the ID Placeholder. Needs the create right.
/// </summary>
internal sealed class RegisterOperation : IKmipOperation
{
    public Operation Operation => Operation.Register;

    public TtlvElement Execute(OperationContext ctx, TtlvElement payload)
    {
        ObjectBuilder.RequireCreateRight(ctx);
        if (payload.Find(Tag.ObjectType) is not { Type: ItemType.Enumeration } typeElement) throw KmipFault.Missing("Object Type is required");
        var type = (ObjectType)typeElement.UInt32;
        var valueTag = type is ObjectType.SymmetricKey or ObjectType.PublicKey or ObjectType.PrivateKey or ObjectType.SecretData
            or ObjectType.Certificate or ObjectType.OpaqueObject ? ManagedObject.ValueTag(type) : Tag.None;
        if (valueTag == Tag.None) throw new KmipFault(ResultReason.InvalidObjectType, "Unsupported Object Type", ResultReason.InvalidField);
        var value = payload.Find(valueTag) ?? throw KmipFault.Missing("The object is missing or does not match Object Type");
        Validate(type, value);

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
            if (ctx.Engine.Options.UnwrapOnRegister && KeyWrapping.IsWrapped(value)) value = UnwrapIfAvailable(ctx, value);
            obj.Value = value;
            ObjectBuilder.ApplyClientAttributes(ctx, obj, attributes);
            CryptoSupport.Describe(obj);
        }
        if (type == ObjectType.Certificate && obj.Get(Tag.CertificateType) is null && value.Find(Tag.CertificateType) is { } ct)
            obj.AddInstance(ct);
        ObjectBuilder.Finish(ctx, obj);
        ctx.Save(obj, touch: false);
        ctx.Batch.IdPlaceholder = obj.Id;
        return OperationContext.PayloadWithId(obj.Id);
    }

    /// <summary>Unwraps a registered key when its wrapping key is in the KMS and usable by the caller; else returns it as received.</summary>
    private static TtlvElement UnwrapIfAvailable(OperationContext ctx, TtlvElement value)
    {
        try
        {
            return KeyWrapping.Unwrap(ctx, value);
        }
        catch (KmipFault f) when (f.Reason is ResultReason.ObjectNotFound or ResultReason.PermissionDenied)
        {
            return value;
        }
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
