using Kms.Engine.Access;
using Kms.Engine.Model;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Operations;

/// <summary>
/// Get (KMIP 2.1 §6.1.22; 1.4 §4.11): returns the object as stored, or converted to the requested Key Format
/// Type (<see cref="KeyFormatConversion"/>); a Key Compression Type other than the stored one fails with Key
/// Compression Type Not Supported; a Key Wrapping Specification wraps the key (<see cref="KeyWrapping"/>). A destroyed object fails with Object Destroyed (1.x Item Not Found, the key
/// material being gone); an archived one with Object Archived. A Sensitive object leaves only wrapped (else Sensitive), a non-Extractable one with Not Extractable.
/// A Private Key can be had as PKCS#12 (<see cref="Pkcs12Objects"/>). Needs Get.
/// </summary>
internal sealed class GetOperation : IKmipOperation
{
    public Operation Operation => Operation.Get;

    public TtlvElement Execute(OperationContext ctx, TtlvElement payload)
    {
        var id = ctx.ResolveId(payload);
        var obj = ctx.Load(id, Permission.Get);
        var value = Serve(ctx, obj, payload);
        return TtlvElement.Structure(Tag.ResponsePayload,
            TtlvElement.Enumeration(Tag.ObjectType, (uint)obj.ObjectType),
            TtlvElement.TextString(Tag.UniqueIdentifier, obj.Id),
            value);
    }

    /// <summary>
    /// The object structure Get and Export return for <paramref name="obj"/> (already loaded with the operation's
    /// right): the checks of the type remarks, the Key Format Type conversion (PKCS#12: <see cref="Pkcs12Objects.Export"/>,
    /// where the Key Wrapping Specification carries the password), the wrapping, and Fresh turned off.
    /// </summary>
    public static TtlvElement Serve(OperationContext ctx, ManagedObject obj, TtlvElement payload)
    {
        if (obj.IsDestroyed || obj.Value is null) throw new KmipFault(ResultReason.ObjectDestroyed, "Object destroyed", ResultReason.ItemNotFound);
        if (obj.Archived) throw new KmipFault(ResultReason.ObjectArchived, "Object archived");
        // KMIP 2.1 §4.44/§4.20: a Sensitive object leaves only wrapped, a non-Extractable one never.
        if (obj.Get(Tag.Extractable) is { Bool: false }) throw new KmipFault(ResultReason.NotExtractable, "Object is not extractable");
        var wrapping = payload.Find(Tag.KeyWrappingSpecification);
        if (obj.Get(Tag.Sensitive) is { Bool: true } && wrapping is null) throw new KmipFault(ResultReason.Sensitive, "Object is sensitive");
        var block = obj.Value.Find(Tag.KeyBlock);
        var value = obj.Value;
        // Key Format Type conversion (issue 4): see KeyFormatConversion.
        if (payload.Find(Tag.KeyFormatType) is { } kft)
        {
            if (kft.Type != ItemType.Enumeration) throw KmipFault.Invalid("Key Format Type must be an enumeration");
            if ((KeyFormatType)kft.UInt32 == KeyFormatType.PKCS_12)
            {
                if (block?.Find(Tag.KeyWrappingData) is not null) throw new KmipFault(ResultReason.KeyFormatTypeNotSupported, "A wrapped key cannot be exported as PKCS#12", ResultReason.KeyFormatTypeNotSupported);
                value = Pkcs12Objects.Export(ctx, obj, wrapping);
                wrapping = null; // it carried the password
            }
            else value = KeyFormatConversion.Convert(obj, (KeyFormatType)kft.UInt32);
        }
        // Key Wrapping Specification (issue 4): see KeyWrapping.
        if (wrapping is not null) value = KeyWrapping.Wrap(ctx, obj, value, wrapping);
        if (payload.Find(Tag.KeyCompressionType) is { } kct)
        {
            if (block?.Find(Tag.KeyCompressionType) is not { } stored || stored.UInt32 != kct.UInt32)
                throw new KmipFault(ResultReason.KeyCompressionTypeNotSupported, "Key compression conversion is not supported");
        }
        // KMIP 2.1 §4.21: Fresh becomes false once the object has been served to a client (one durable write, first Get only).
        if (obj.Get(Tag.Fresh) is { Bool: true })
        {
            obj.SetSingle(TtlvElement.Boolean(Tag.Fresh, false));
            ctx.Save(obj, touch: false);
        }
        return value;
    }
}
