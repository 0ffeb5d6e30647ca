using Kms.Engine.Access;
using Kms.Engine.Crypto;
using Kms.Engine.Model;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Operations;

/// <summary>
/// Re-Key (KMIP 2.1 §6.1.42; 1.4 §4.4) of a Symmetric Key: a new key of the same algorithm and length from
/// <see cref="KeyGenerator"/> (policy first). Carried over: Cryptographic Algorithm/Length/Usage Mask/Parameters,
/// Object Group, Contact Information, Description, Comment, Sensitive, Extractable, vendor attributes and user
/// tags; the Names move to the new key. The request's attributes override. With an Offset, the new Activation
/// Date is now + Offset and the Deactivation, Process Start and Protect Stop Dates keep their distance to it
/// (KMIP 2.1 §6.1.42 table). Links: Replacement Object Link on the old key, Replaced Object Link on the new.
/// Needs the Rekey right (owner or grant).
/// </summary>
internal sealed class ReKeyOperation : IKmipOperation
{
    private static readonly HashSet<Tag> s_carried =
    [
        Tag.CryptographicAlgorithm, Tag.CryptographicLength, Tag.CryptographicUsageMask, Tag.CryptographicParameters,
        Tag.ObjectGroup, Tag.ContactInformation, Tag.Description, Tag.Comment, Tag.Sensitive, Tag.Extractable, Tag.Attribute,
        Tag.CryptographicDomainParameters,
    ];

    public Operation Operation => Operation.ReKey;

    public TtlvElement Execute(OperationContext ctx, TtlvElement payload)
    {
        ObjectBuilder.RequireCreateRight(ctx);
        var id = ctx.ResolveId(payload);
        var old = ctx.Load(id, Permission.Rekey);
        if (old.IsDestroyed || old.Value is null) throw new KmipFault(ResultReason.ObjectDestroyed, "Object destroyed", ResultReason.ItemNotFound);
        if (old.ObjectType != ObjectType.SymmetricKey) throw new KmipFault(ResultReason.InvalidObjectType, "Re-Key needs a Symmetric Key", ResultReason.InvalidField);

        var obj = Successor(ctx, old, AttributeCodec.ReadAttributes(payload, ctx.Version), payload.Find(Tag.Offset));
        var alg = CryptoSupport.Algorithm(old);
        int bits = obj.Get(Tag.CryptographicLength)?.Int32 ?? old.Value.FindPath(Tag.KeyBlock, Tag.CryptographicLength)?.Int32 ?? 0;
        var policy = CryptoSupport.Policy(ctx);
        var material = CryptoSupport.Run(() => KeyGenerator.GenerateSymmetric(policy, alg, alg == CryptographicAlgorithm.DES3 ? 192 : bits));
        obj.Value = CreateKeyPairOperation.KeyObject(Tag.SymmetricKey, KeyFormatType.Raw, material, alg, bits);
        return ctx.SaveDerived(obj, old, LinkType.ReplacedObjectLink, LinkType.ReplacementObjectLink);
    }

    /// <summary>The new object of a Re-Key / Re-Key Key Pair: carried attributes, the request's, moved Names, shifted dates.</summary>
    internal static ManagedObject Successor(OperationContext ctx, ManagedObject old, List<AttributeCodec.Incoming> requested, TtlvElement? offsetElement)
    {
        var obj = ObjectBuilder.NewObject(ctx, old.ObjectType);
        var overridden = new HashSet<AttributeKey>(requested.Select(r => AttributeKey.Of(r.Value)));
        foreach (var a in old.Attributes)
            if (s_carried.Contains(a.Tag) && !overridden.Contains(a.Key) && !AttributeCodec.IsTagAttribute(a.Value)) obj.AddInstance(a.Value);
        foreach (var t in old.UserTags) obj.UserTags.Add(t);
        ObjectBuilder.ApplyClientAttributes(ctx, obj, requested);
        if (!overridden.Contains(new AttributeKey(Tag.Name, null, null)))
        {
            foreach (var n in old.All(new AttributeKey(Tag.Name, null, null)).ToList()) obj.AddInstance(n.Value);
            old.Attributes.RemoveAll(a => a.Tag == Tag.Name);
        }
        if (offsetElement is not null)
        {
            long activation = ctx.Now + offsetElement.Number;
            long? oldActivation = old.Date(Tag.ActivationDate);
            obj.SetSingle(TtlvElement.DateTime(Tag.ActivationDate, activation));
            foreach (var tag in (ReadOnlySpan<Tag>)[Tag.DeactivationDate, Tag.ProcessStartDate, Tag.ProtectStopDate])
                if (oldActivation is { } oa && old.Date(tag) is { } d && obj.Get(tag) is null)
                    obj.SetSingle(TtlvElement.DateTime(tag, activation + (d - oa)));
        }
        return obj;
    }
}
