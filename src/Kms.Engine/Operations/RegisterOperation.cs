using Kms.Engine.Model;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Operations;

/// <summary>
/// Register (KMIP 2.1 §6.1.40; 1.4 §4.3): stores a client-supplied Symmetric Key, Public Key, Private Key,
/// Secret Data, Certificate or Opaque Object as received (key blocks keep their Key Format Type and key
/// material). The object structure must match Object Type (Invalid Field otherwise). Cryptographic
/// Algorithm and Length default to those of the key block. Sets the ID Placeholder. Needs the create right.
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
        obj.Value = value;
        ObjectBuilder.ApplyClientAttributes(ctx, obj, AttributeCodec.ReadAttributes(payload, ctx.Version));
        CryptoSupport.Describe(obj);
        if (type == ObjectType.Certificate && obj.Get(Tag.CertificateType) is null && value.Find(Tag.CertificateType) is { } ct)
            obj.AddInstance(ct);
        ObjectBuilder.Finish(ctx, obj);
        ctx.Save(obj, touch: false);
        ctx.Batch.IdPlaceholder = obj.Id;
        return OperationContext.PayloadWithId(obj.Id);
    }

    private static void Validate(ObjectType type, TtlvElement value)
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
