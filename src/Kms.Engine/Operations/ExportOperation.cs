using Kms.Engine.Access;
using Kms.Engine.Model;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Operations;

/// <summary>
/// Export (KMIP 2.1 §6.1.21; 1.4 §4.36): like Get (Key Format Type, PKCS#12, Key Wrapping Specification, Key
/// Compression Type; <see cref="GetOperation.Serve"/>), and the answer also carries every attribute of the object
/// (2.x Attributes; 1.x Template-Attribute), so Import can restore it. Needs the Export right.
/// </summary>
internal sealed class ExportOperation : IKmipOperation
{
    public Operation Operation => Operation.Export;

    public TtlvElement Execute(OperationContext ctx, TtlvElement payload)
    {
        var id = ctx.ResolveId(payload);
        var obj = ctx.Load(id, Permission.Export);
        var value = GetOperation.Serve(ctx, obj, payload);
        var selected = GetAttributesOperation.Select(obj, [], ctx.Version);
        TtlvElement attributes;
        if (ctx.Is1x)
        {
            attributes = TtlvElement.Structure(Tag.TemplateAttribute);
            foreach (var e in selected) attributes.Children.Add(AttributeCodec.ToWire(e, ctx.Version));
        }
        else
        {
            attributes = TtlvElement.Structure(Tag.Attributes);
            foreach (var e in selected) attributes.Children.Add(e.Value);
        }
        return TtlvElement.Structure(Tag.ResponsePayload,
            TtlvElement.Enumeration(Tag.ObjectType, (uint)obj.ObjectType),
            TtlvElement.TextString(Tag.UniqueIdentifier, obj.Id),
            attributes,
            value);
    }
}
