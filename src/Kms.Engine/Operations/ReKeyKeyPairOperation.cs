using Kms.Engine.Access;
using Kms.Engine.Crypto;
using Kms.Engine.Model;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Operations;

/// <summary>
/// Re-Key Key Pair (KMIP 2.1 §6.1.43; 1.4 §4.5): a new key pair of the old private key's algorithm, length and
/// curve (<see cref="KeyGenerator"/>, policy first); each new half carries its predecessor's attributes and
/// Names as <see cref="ReKeyOperation"/> does (Common/Private/Public attributes of the request override), links
/// to its partner, and Replaced Object Link ↔ Replacement Object Link join old and new halves. Needs the Rekey
/// right on the private key.
/// </summary>
internal sealed class ReKeyKeyPairOperation : IKmipOperation
{
    public Operation Operation => Operation.ReKeyKeyPair;

    public TtlvElement Execute(OperationContext ctx, TtlvElement payload)
    {
        ObjectBuilder.RequireCreateRight(ctx);
        var uid = payload.Find(Tag.PrivateKeyUniqueIdentifier);
        var idPayload = uid is null ? TtlvElement.Structure(Tag.RequestPayload) : TtlvElement.Structure(Tag.RequestPayload, uid.WithTag(Tag.UniqueIdentifier));
        var id = ctx.ResolveId(idPayload);
        var oldPriv = ctx.Load(id, Permission.Rekey);
        if (oldPriv.IsDestroyed || oldPriv.Value is null) throw new KmipFault(ResultReason.ObjectDestroyed, "Object destroyed", ResultReason.ItemNotFound);
        if (oldPriv.ObjectType != ObjectType.PrivateKey) throw new KmipFault(ResultReason.InvalidObjectType, "Re-Key Key Pair needs a Private Key", ResultReason.InvalidField);
        ManagedObject? oldPub = null;
        foreach (var l in oldPriv.All(new AttributeKey(Tag.Link, null, null)))
            if (l.Value.Find(Tag.LinkType) is { } lt && lt.UInt32 == (uint)LinkType.PublicKeyLink && l.Value.Find(Tag.LinkedObjectIdentifier)?.Text is { } pid)
                oldPub = ctx.Work.TryLoad(pid, out var p) ? p : null;

        var common = CreateKeyPairOperation.ReadSection(ctx, payload, ctx.Is1x ? Tag.CommonTemplateAttribute : Tag.CommonAttributes);
        var privOnly = CreateKeyPairOperation.ReadSection(ctx, payload, ctx.Is1x ? Tag.PrivateKeyTemplateAttribute : Tag.PrivateKeyAttributes);
        var pubOnly = CreateKeyPairOperation.ReadSection(ctx, payload, ctx.Is1x ? Tag.PublicKeyTemplateAttribute : Tag.PublicKeyAttributes);
        var offset = payload.Find(Tag.Offset);
        var priv = ReKeyOperation.Successor(ctx, oldPriv, CreateKeyPairOperation.Merge(common, privOnly), offset);
        var pub = oldPub is not null
            ? ReKeyOperation.Successor(ctx, oldPub, CreateKeyPairOperation.Merge(common, pubOnly), offset)
            : ObjectBuilder.NewObject(ctx, ObjectType.PublicKey);

        var alg = CryptoSupport.Algorithm(oldPriv);
        var oldPkcs8 = CryptoSupport.PrivateKey(oldPriv);
        var d = CryptoSupport.Run(() => KeyDescription.FromPkcs8(oldPkcs8));
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(oldPkcs8);
        var pair = CryptoSupport.Run(() => KeyGenerator.GenerateKeyPair(CryptoSupport.Policy(ctx), alg, d.Bits, d.Curve));
        CreateKeyPairOperation.SetValues(priv, pub, pair, alg);
        priv.AddInstance(CreateKeyPairOperation.Link(LinkType.PublicKeyLink, pub.Id));
        pub.AddInstance(CreateKeyPairOperation.Link(LinkType.PrivateKeyLink, priv.Id));
        priv.AddInstance(CreateKeyPairOperation.Link(LinkType.ReplacedObjectLink, oldPriv.Id));
        oldPriv.AddInstance(CreateKeyPairOperation.Link(LinkType.ReplacementObjectLink, priv.Id));
        if (oldPub is not null)
        {
            pub.AddInstance(CreateKeyPairOperation.Link(LinkType.ReplacedObjectLink, oldPub.Id));
            oldPub.AddInstance(CreateKeyPairOperation.Link(LinkType.ReplacementObjectLink, pub.Id));
            ctx.Save(oldPub);
        }
        ObjectBuilder.Finish(ctx, pub);
        ObjectBuilder.Finish(ctx, priv);
        ctx.Save(priv, touch: false);
        ctx.Save(pub, touch: false);
        ctx.Save(oldPriv);
        ctx.Batch.IdPlaceholder = priv.Id;
        return TtlvElement.Structure(Tag.ResponsePayload,
            TtlvElement.TextString(Tag.PrivateKeyUniqueIdentifier, priv.Id),
            TtlvElement.TextString(Tag.PublicKeyUniqueIdentifier, pub.Id));
    }
}
