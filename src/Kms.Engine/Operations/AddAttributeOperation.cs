using Kms.Engine.Model;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Operations;

/// <summary>
/// Add Attribute (KMIP 2.1 §6.1.2; 1.4 §4.14): adds an instance. A single-valued attribute that is
/// already present fails with Attribute Single Valued (1.x Illegal Operation); a duplicate Name with Non
/// Unique Name Attribute (1.x Invalid Field). 1.x responses return the attribute with its new index.
/// The user-tag vendor attribute adds tags. Owner only.
/// </summary>
internal sealed class AddAttributeOperation : IKmipOperation
{
    public Operation Operation => Operation.AddAttribute;

    public TtlvElement Execute(OperationContext ctx, TtlvElement payload)
    {
        var id = ctx.ResolveId(payload);
        TtlvElement value;
        if (ctx.Is1x)
        {
            var attr = payload.Find(Tag.Attribute) ?? throw KmipFault.Missing("Attribute is required");
            var incoming = AttributeCodec.FromV1(attr);
            if (incoming.Index is not null and not 0) throw KmipFault.Invalid("Attribute Index may not be given to Add Attribute");
            value = incoming.Value;
        }
        else value = AttributeEditor.Unwrap(payload.Find(Tag.NewAttribute), "New Attribute");

        var obj = ctx.Load(id, Access.Permission.None);
        var key = AttributeKey.Of(value);
        AttributeEditor.CheckValue(value);
        AttributeEntry entry;
        if (AttributeCodec.IsTagKey(key))
        {
            if (obj.IsDestroyed) throw KmipFault.WrongState("Object is destroyed");
            foreach (var t in AttributeCodec.ParseTags(value, allowSystem: false)) obj.UserTags.Add(t);
            entry = new AttributeEntry(AttributeCodec.TagsAttribute(obj.UserTags), 0);
        }
        else
        {
            AttributeEditor.CheckWritable(obj, key, value);
            if (key.Tag == Tag.ObjectType || (key.Tag != Tag.Attribute && AttributeRules.IsServerOnly(key.Tag)))
                throw new KmipFault(ResultReason.AttributeReadOnly, "Attribute is read-only", ResultReason.PermissionDenied);
            if (!AttributeRules.IsMulti(key.Tag) && obj.Has(key))
                throw new KmipFault(ResultReason.AttributeSingleValued, "Attribute is single-valued and already present");
            if (key.Tag == Tag.Name && ObjectBuilder.NameExists(obj, value))
                throw new KmipFault(ResultReason.NonUniqueNameAttribute, "Name already present", ResultReason.InvalidField);
            entry = obj.AddInstance(value);
        }
        AttributeEditor.AfterChange(ctx, obj);
        return ctx.Is1x
            ? OperationContext.PayloadWithId(id, AttributeCodec.ToWire(entry, ctx.Version))
            : OperationContext.PayloadWithId(id);
    }
}
