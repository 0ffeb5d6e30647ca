using Kms.Engine.Model;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Operations;

/// <summary>
/// Set Attribute (KMIP 2.1 §6.1.48, 2.0+): sets the value of a single-valued attribute, replacing any
/// existing value. A multi-valued attribute fails with Multi Valued Attribute. Owner only.
/// </summary>
internal sealed class SetAttributeOperation : IKmipOperation
{
    public Operation Operation => Operation.SetAttribute;

    public TtlvElement Execute(OperationContext ctx, TtlvElement payload)
    {
        if (ctx.Is1x) throw new KmipFault(ResultReason.OperationNotSupported, "Set Attribute is a KMIP 2.0 operation");
        var id = ctx.ResolveId(payload);
        var value = AttributeEditor.Unwrap(payload.Find(Tag.NewAttribute), "New Attribute");
        var obj = ctx.Load(id, Access.Permission.None);
        var key = AttributeKey.Of(value);
        AttributeEditor.CheckValue(value);
        if (AttributeCodec.IsTagKey(key))
        {
            if (obj.IsDestroyed) throw KmipFault.WrongState("Object is destroyed");
            var tags = AttributeCodec.ParseTags(value, allowSystem: false);
            obj.UserTags.Clear();
            foreach (var t in tags) obj.UserTags.Add(t);
        }
        else
        {
            AttributeEditor.CheckWritable(obj, key, value);
            if (key.Tag == Tag.ObjectType || (key.Tag != Tag.Attribute && AttributeRules.IsServerOnly(key.Tag)))
                throw new KmipFault(ResultReason.AttributeReadOnly, "Attribute is read-only");
            if (AttributeRules.IsMulti(key.Tag) && key.Tag != Tag.Attribute)
                throw new KmipFault(ResultReason.MultiValuedAttribute, "Set Attribute needs a single-valued attribute");
            if (key.Tag == Tag.Attribute) obj.Attributes.RemoveAll(a => a.Key == key);
            obj.SetSingle(value);
        }
        AttributeEditor.AfterChange(ctx, obj);
        return OperationContext.PayloadWithId(id);
    }
}
