using Kms.Engine.Access;
using Kms.Engine.Model;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Operations;

/// <summary>
/// Import (KMIP 2.1 §6.1.27; 1.4 §4.35): stores the object under the Unique Identifier the request gives, with the
/// attributes as supplied: the attribute rules "initially set by" and "when implicitly set" are not enforced, so
/// server attributes (State, dates, Digest, …) take the given values; those not given are set as Register sets them.
/// An existing object is replaced only with Replace Existing = True (else Object Already Exists); its owner and
/// grants are kept, and the caller needs the Import right on it (the owner always has it). Key Wrap Type Not Wrapped
/// unwraps a wrapped key with its KMS wrapping key (<see cref="KeyWrapping.Unwrap"/>); As Registered stores it as
/// given. A PKCS#12 private key is stored as its parts (<see cref="Pkcs12Objects"/>). Needs the create right.
/// </summary>
internal sealed class ImportOperation : IKmipOperation
{
    /// <summary>Longest Unique Identifier accepted for an imported object.</summary>
    public const int MaxIdLength = 1024;

    public Operation Operation => Operation.Import;

    public TtlvElement Execute(OperationContext ctx, TtlvElement payload)
    {
        ObjectBuilder.RequireCreateRight(ctx);
        if (payload.Find(Tag.UniqueIdentifier) is not { Type: ItemType.TextString } uid || uid.Text.Length is 0 or > MaxIdLength)
            throw KmipFault.Missing("Import needs the Unique Identifier (text) of the object");
        var id = uid.Text;
        ctx.UniqueIdentifier = id;
        var value = RegisterOperation.ReadObject(payload, out var type);
        bool replace = payload.Find(Tag.ReplaceExisting) is { Type: ItemType.Boolean, Bool: true };

        ManagedObject obj;
        if (ctx.Work.TryLoad(id, out var existing))
        {
            if (!replace || !AccessControl.MayAct(existing, ctx.Caller.User, Permission.Import))
            {
                if (replace && AccessControl.MaySee(existing, ctx.Caller.User)) throw KmipFault.Denied();
                throw new KmipFault(ResultReason.ObjectAlreadyExists, "An object with this Unique Identifier exists", ResultReason.InvalidField);
            }
            if (existing.ObjectType != type) throw new KmipFault(ResultReason.InvalidObjectType, "The existing object has another Object Type", ResultReason.InvalidField);
            obj = new ManagedObject { Id = id, ObjectType = type, Owner = existing.Owner, Version = existing.Version, Sequence = existing.Sequence };
            foreach (var (user, perms) in existing.Grants) obj.Grants[user] = perms;
        }
        else obj = new ManagedObject { Id = id, ObjectType = type, Owner = ctx.Caller.User };

        var wrapType = payload.Find(Tag.KeyWrapType) is { Type: ItemType.Enumeration } kwt ? (KeyWrapType)kwt.UInt32 : KeyWrapType.AsRegistered;
        if (wrapType == KeyWrapType.NotWrapped && KeyWrapping.IsWrapped(value)) value = KeyWrapping.Unwrap(ctx, value);
        ctx.UniqueIdentifier = id;

        var attributes = AttributeCodec.ReadAttributes(payload, ctx.Version);
        if (Pkcs12Objects.IsPkcs12(type, value))
        {
            var password = Pkcs12Objects.TakePassword(ctx, attributes);
            Override(obj, attributes);
            Pkcs12Objects.Expand(ctx, obj, value, password);
        }
        else
        {
            obj.Value = value;
            Override(obj, attributes);
            CryptoSupport.Describe(obj);
            if (type == ObjectType.Certificate && obj.Get(Tag.CertificateType) is null && value.Find(Tag.CertificateType) is { } ct) obj.AddInstance(ct);
        }
        ObjectBuilder.Finish(ctx, obj);
        Override(obj, attributes);
        Lifecycle.Refresh(obj, ctx.Now);
        ctx.Save(obj, touch: false);
        ctx.Batch.IdPlaceholder = obj.Id;
        return OperationContext.PayloadWithId(obj.Id);
    }

    /// <summary>Sets the given attributes, replacing every instance of each one given (user tags replace the user tags).</summary>
    private static void Override(ManagedObject obj, List<AttributeCodec.Incoming> attributes)
    {
        var replaced = new HashSet<AttributeKey>();
        foreach (var (value, _) in attributes)
        {
            if (AttributeCodec.IsTagAttribute(value))
            {
                obj.UserTags.Clear();
                foreach (var t in AttributeCodec.ParseTags(value, allowSystem: false)) obj.UserTags.Add(t);
                continue;
            }
            if (value.Tag is Tag.UniqueIdentifier or Tag.ObjectType)
            {
                if (value.Tag == Tag.ObjectType && (value.Type != ItemType.Enumeration || value.UInt32 != (uint)obj.ObjectType))
                    throw new KmipFault(ResultReason.InvalidObjectType, "Object Type attribute does not match", ResultReason.InvalidField);
                continue;
            }
            AttributeEditor.CheckValue(value);
            var key = AttributeKey.Of(value);
            if (replaced.Add(key)) obj.Attributes.RemoveAll(a => a.Key == key);
            obj.AddInstance(value);
        }
    }
}
