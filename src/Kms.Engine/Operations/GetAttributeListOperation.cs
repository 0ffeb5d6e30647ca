using Kms.Engine.Access;
using Kms.Engine.Model;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Operations;

/// <summary>
/// Get Attribute List (KMIP 2.1 §6.1.24; 1.4 §4.13): the names of the object's attributes, once each, as
/// 1.x Attribute Name text or 2.x Attribute Reference. Needs GetAttributes.
/// </summary>
internal sealed class GetAttributeListOperation : IKmipOperation
{
    public Operation Operation => Operation.GetAttributeList;

    public TtlvElement Execute(OperationContext ctx, TtlvElement payload)
    {
        var id = ctx.ResolveId(payload);
        var obj = ctx.Load(id, Permission.GetAttributes);
        var response = OperationContext.PayloadWithId(obj.Id);
        var seen = new HashSet<AttributeKey>();
        foreach (var e in GetAttributesOperation.Select(obj, [], ctx.Version))
            if (seen.Add(e.Key)) response.Children.Add(AttributeCodec.NameOnWire(e.Key, ctx.Version));
        return response;
    }
}
