using Kms.Engine.Model;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Operations;

/// <summary>
/// Delete Attribute (KMIP 2.1 §6.1.11; 1.4 §4.16): 1.x deletes the instance named by Attribute Name and
/// Attribute Index (default 0; the other instances keep their indices); 2.x deletes the instance equal to
/// Current Attribute, or every instance named by Attribute Reference. Absent attribute → Attribute Not
/// Found (1.x Item Not Found); absent instance → Attribute Instance Not Found (1.x Index Out of Bounds).
/// Read-only attributes cannot be deleted. Owner only.
/// </summary>
internal sealed class DeleteAttributeOperation : IKmipOperation
{
    public Operation Operation => Operation.DeleteAttribute;

    public TtlvElement Execute(OperationContext ctx, TtlvElement payload)
    {
        var id = ctx.ResolveId(payload);
        AttributeKey key;
        int? index = null;
        TtlvElement? current = null;
        if (ctx.Is1x)
        {
            var name = payload.Find(Tag.AttributeName);
            if (name is not { Type: ItemType.TextString }) throw KmipFault.Missing("Attribute Name is required");
            key = AttributeCodec.KeyFromV1Name(name.Text);
            index = payload.Find(Tag.AttributeIndex) is { Type: ItemType.Integer } ix ? ix.Int32 : 0;
        }
        else if (payload.Find(Tag.CurrentAttribute) is { } cur)
        {
            current = AttributeEditor.Unwrap(cur, "Current Attribute");
            key = AttributeKey.Of(current);
        }
        else if (payload.Find(Tag.AttributeReference) is { } reference) key = AttributeCodec.KeyFromReference(reference);
        else throw KmipFault.Missing("Current Attribute or Attribute Reference is required");

        var obj = ctx.Load(id, Access.Permission.None);
        if (ctx.Is1x) key = AttributeCodec.ResolveV1Key(obj, key);
        List<AttributeEntry> removed;
        if (AttributeCodec.IsTagKey(key))
        {
            if (obj.UserTags.Count == 0) throw new KmipFault(ResultReason.AttributeNotFound, "Attribute not present", ResultReason.ItemNotFound);
            removed = [new AttributeEntry(AttributeCodec.TagsAttribute(obj.UserTags), 0)];
            if (current is not null)
                foreach (var t in AttributeCodec.ParseTags(current, allowSystem: false)) obj.UserTags.Remove(t);
            else obj.UserTags.Clear();
        }
        else
        {
            AttributeEditor.CheckWritable(obj, key, null);
            var instances = obj.All(key).ToList();
            if (instances.Count == 0) throw new KmipFault(ResultReason.AttributeNotFound, "Attribute not present", ResultReason.ItemNotFound);
            removed = index is { } i ? [.. instances.Where(a => a.Index == i)]
                : current is not null ? [.. instances.Where(a => AttributeEditor.SameValue(a.Value, current)).Take(1)]
                : instances;
            if (removed.Count == 0) throw new KmipFault(ResultReason.AttributeInstanceNotFound, "No such attribute instance", ResultReason.IndexOutOfBounds);
            foreach (var r in removed) obj.Attributes.Remove(r);
        }
        AttributeEditor.AfterChange(ctx, obj);
        return ctx.Is1x
            ? OperationContext.PayloadWithId(id, AttributeCodec.ToWire(removed[0], ctx.Version))
            : OperationContext.PayloadWithId(id);
    }
}
