using Kms.Engine.Model;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Operations;

/// <summary>
/// Modify Attribute (KMIP 2.1 §6.1.31; 1.4 §4.15): replaces one existing instance. 1.x names the instance
/// by Attribute Index (default 0; absent instance → Index Out of Bounds, absent attribute → Item Not
/// Found); 2.x by an optional Current Attribute (the instance with that exact value; default the first).
/// The instance keeps its index. Owner only.
/// </summary>
internal sealed class ModifyAttributeOperation : IKmipOperation
{
    public Operation Operation => Operation.ModifyAttribute;

    public TtlvElement Execute(OperationContext ctx, TtlvElement payload)
    {
        var id = ctx.ResolveId(payload);
        TtlvElement value;
        int? index = null;
        TtlvElement? current = null;
        if (ctx.Is1x)
        {
            var attr = payload.Find(Tag.Attribute) ?? throw KmipFault.Missing("Attribute is required");
            var incoming = AttributeCodec.FromV1(attr);
            value = incoming.Value;
            index = incoming.Index ?? 0;
        }
        else
        {
            value = AttributeEditor.Unwrap(payload.Find(Tag.NewAttribute), "New Attribute");
            if (payload.Find(Tag.CurrentAttribute) is { } cur) current = AttributeEditor.Unwrap(cur, "Current Attribute");
        }
        var obj = ctx.Load(id, Access.Permission.None);
        var key = AttributeKey.Of(value);
        if (ctx.Is1x && AttributeCodec.ResolveV1Key(obj, key) is var resolved && resolved != key)
        {
            value = AttributeCodec.Vendor(resolved.Vendor!, resolved.Name!, value.Find(Tag.AttributeValue)!);
            key = resolved;
        }
        if (current is not null && AttributeKey.Of(current) != key) throw KmipFault.Invalid("Current and New Attribute differ in kind");
        AttributeEditor.CheckValue(value);
        AttributeEntry result;
        if (AttributeCodec.IsTagKey(key))
        {
            if (obj.IsDestroyed) throw KmipFault.WrongState("Object is destroyed");
            var tags = AttributeCodec.ParseTags(value, allowSystem: false);
            obj.UserTags.Clear();
            foreach (var t in tags) obj.UserTags.Add(t);
            result = new AttributeEntry(AttributeCodec.TagsAttribute(obj.UserTags), 0);
        }
        else
        {
            AttributeEditor.CheckWritable(obj, key, value);
            var instances = obj.All(key).ToList();
            if (instances.Count == 0) throw new KmipFault(ResultReason.AttributeNotFound, "Attribute not present", ResultReason.ItemNotFound);
            int at = index is { } i
                ? instances.FindIndex(a => a.Index == i)
                : current is not null ? instances.FindIndex(a => AttributeEditor.SameValue(a.Value, current)) : 0;
            if (at < 0) throw new KmipFault(ResultReason.AttributeInstanceNotFound, "No such attribute instance", ResultReason.IndexOutOfBounds);
            var target = instances[at];
            if (key.Tag == Tag.Name && !AttributeEditor.SameValue(target.Value, value) && ObjectBuilder.NameExists(obj, value))
                throw new KmipFault(ResultReason.NonUniqueNameAttribute, "Name already present", ResultReason.InvalidField);
            result = target with { Value = value };
            obj.Attributes[obj.Attributes.IndexOf(target)] = result;
        }
        AttributeEditor.AfterChange(ctx, obj);
        return ctx.Is1x
            ? OperationContext.PayloadWithId(id, AttributeCodec.ToWire(result, ctx.Version))
            : OperationContext.PayloadWithId(id);
    }
}
