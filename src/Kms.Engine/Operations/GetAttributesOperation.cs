using Kms.Engine.Access;
using Kms.Engine.Model;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Operations;

/// <summary>
/// Get Attributes (KMIP 2.1 §6.1.23; 1.4 §4.12): the requested attributes (1.x Attribute Name*, 2.x
/// Attribute Reference*), or all when none is named, in the request's version: 1.x as Attribute
/// {Name, Index, Value} items, 2.x in one Attributes structure. Attributes the version lacks are left out;
/// requested attributes the object lacks are simply absent. Works on destroyed objects (metadata is kept).
/// User tags appear (2.x) as the vendor attribute cosmian/tag. Needs GetAttributes.
/// </summary>
internal sealed class GetAttributesOperation : IKmipOperation
{
    public Operation Operation => Operation.GetAttributes;

    public TtlvElement Execute(OperationContext ctx, TtlvElement payload)
    {
        var id = ctx.ResolveId(payload);
        var keys = new List<AttributeKey>();
        if (ctx.Is1x)
        {
            foreach (var n in payload.FindAll(Tag.AttributeName))
            {
                if (n.Type != ItemType.TextString) throw KmipFault.Invalid("Attribute Name must be text");
                keys.Add(AttributeCodec.KeyFromV1Name(n.Text));
            }
        }
        else
        {
            foreach (var r in payload.FindAll(Tag.AttributeReference)) keys.Add(AttributeCodec.KeyFromReference(r));
        }
        var obj = ctx.Load(id, Permission.GetAttributes);
        if (ctx.Is1x) keys = keys.ConvertAll(k => AttributeCodec.ResolveV1Key(obj, k));
        var selected = Select(obj, keys, ctx.Version);
        if (ctx.Is1x)
        {
            var response = OperationContext.PayloadWithId(obj.Id);
            foreach (var e in selected) response.Children.Add(AttributeCodec.ToWire(e, ctx.Version));
            return response;
        }
        var attributes = TtlvElement.Structure(Tag.Attributes);
        foreach (var e in selected) attributes.Children.Add(e.Value);
        return OperationContext.PayloadWithId(obj.Id, attributes);
    }

    /// <summary>The visible attribute instances of <paramref name="obj"/> named by <paramref name="keys"/> (all when empty).</summary>
    public static List<AttributeEntry> Select(ManagedObject obj, List<AttributeKey> keys, KmipVersion version)
    {
        var list = new List<AttributeEntry>();
        foreach (var a in obj.Attributes)
        {
            if (!AttributeCodec.Visible(a.Value, version)) continue;
            if (keys.Count == 0 || keys.Contains(a.Key)) list.Add(a);
        }
        if (version.Major >= 2 && obj.UserTagCount > 0 && (keys.Count == 0 || keys.Exists(AttributeCodec.IsTagKey)))
            list.Add(new AttributeEntry(AttributeCodec.TagsAttribute(obj.UserTags), 0));
        return list;
    }
}
