using Kms.Engine.Model;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Operations;

/// <summary>The rules shared by Add, Set, Modify and Delete Attribute (KMIP 2.1 §6.1.2, §6.1.48, §6.1.31, §6.1.11; 1.4 §4.14–4.16).</summary>
internal static class AttributeEditor
{
    /// <summary>Fails with Invalid Attribute Value (1.x Invalid Field) when the item type is not one the tag allows.</summary>
    public static void CheckValue(TtlvElement value)
    {
        if (value.Tag == Tag.Attribute) return;
        var info = KmipNames.FindTag(value.Tag);
        if (info is not null && info.TypeMask != 0 && !info.Allows(value.Type))
            throw new KmipFault(ResultReason.InvalidAttributeValue, "Wrong type for attribute", ResultReason.InvalidField);
        if (value.Tag == Tag.Name && value.Find(Tag.NameValue) is not { Type: ItemType.TextString })
            throw new KmipFault(ResultReason.InvalidAttributeValue, "Name needs a Name Value", ResultReason.InvalidField);
        if (value.Tag == Tag.Link && (value.Find(Tag.LinkType) is null || value.Find(Tag.LinkedObjectIdentifier) is null))
            throw new KmipFault(ResultReason.InvalidAttributeValue, "Link needs Link Type and Linked Object Identifier", ResultReason.InvalidField);
    }

    /// <summary>
    /// Whether a client may change <paramref name="key"/> (to <paramref name="newValue"/>, or delete it when null) now.
    /// Read-only attributes → Attribute Read Only (1.x Permission Denied). Activation Date only while
    /// Pre-Active; Deactivation Date only while Pre-Active or Active; Sensitive may only become true and
    /// Extractable only false (KMIP 2.1 §4.44, §4.20).
    /// </summary>
    public static void CheckWritable(ManagedObject obj, AttributeKey key, TtlvElement? newValue)
    {
        if (key.Tag != Tag.Attribute && AttributeRules.IsReadOnly(key.Tag))
            throw new KmipFault(ResultReason.AttributeReadOnly, "Attribute is read-only", ResultReason.PermissionDenied);
        if (obj.IsDestroyed) throw KmipFault.WrongState("Object is destroyed");
        switch (key.Tag)
        {
            case Tag.ActivationDate when obj.StoredState != State.PreActive:
            case Tag.DeactivationDate when obj.StoredState is not (State.PreActive or State.Active):
                throw KmipFault.WrongState("Date can no longer change in this state");
            case Tag.Sensitive when newValue is null || (obj.Get(Tag.Sensitive)?.Bool == true && !newValue.Bool):
                throw new KmipFault(ResultReason.AttributeReadOnly, "Sensitive cannot be cleared", ResultReason.PermissionDenied);
            case Tag.Extractable when newValue is null || (obj.Get(Tag.Extractable)?.Bool == false && newValue.Bool):
                throw new KmipFault(ResultReason.AttributeReadOnly, "Extractable cannot be set again", ResultReason.PermissionDenied);
        }
    }

    /// <summary>The single attribute carried by a 2.x New Attribute / Current Attribute wrapper.</summary>
    public static TtlvElement Unwrap(TtlvElement? wrapper, string what)
    {
        if (wrapper is not { Type: ItemType.Structure } || wrapper.Children.Count != 1)
            throw new KmipFault(ResultReason.InvalidField, what + " must hold exactly one attribute");
        return AttributeCodec.FromV2(wrapper.Children[0]);
    }

    /// <summary>The tags of the object as a user-tag attribute, for responses.</summary>
    public static void AfterChange(OperationContext ctx, ManagedObject obj)
    {
        Lifecycle.Refresh(obj, ctx.Now);
        ctx.Save(obj);
    }

    /// <summary>Deep equality of attribute values ignoring the wrapper tag.</summary>
    public static bool SameValue(TtlvElement a, TtlvElement b) => a.DeepEquals(b);
}
