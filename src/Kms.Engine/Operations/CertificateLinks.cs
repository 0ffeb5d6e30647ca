using Kms.Engine.Access;
using Kms.Engine.Model;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Operations;

/// <summary>
/// Shared steps of Certify and the PKCS#12 import: a new X.509 Certificate object, and the links between a
/// certificate, its keys and its issuer (KMIP 2.1 §4.31 Link Types: Certificate Link on a public key names its
/// certificate(s) and on a certificate its issuer's; Public Key Link on a certificate names the certified key).
/// The private key also gets the Certificate Link, and the certificate a Private Key Link, as Cosmian KMS does.
/// Linked keys get the system tag <c>_cert_uid=&lt;certificate id&gt;</c>.
/// </summary>
internal static class CertificateLinks
{
    /// <summary>Longest issuer chain followed (PKCS#12 export).</summary>
    public const int MaxChain = Crypto.Certificates.MaxChainDepth;

    /// <summary>A new Certificate object holding <paramref name="der"/> (not finished, not saved).</summary>
    public static ManagedObject NewCertificate(OperationContext ctx, byte[] der)
    {
        var cert = ObjectBuilder.NewObject(ctx, ObjectType.Certificate);
        cert.Value = TtlvElement.Structure(Tag.Certificate,
            TtlvElement.Enumeration(Tag.CertificateType, (uint)CertificateType.X_509),
            TtlvElement.ByteString(Tag.CertificateValue, der));
        cert.AddInstance(TtlvElement.Enumeration(Tag.CertificateType, (uint)CertificateType.X_509));
        return cert;
    }

    /// <summary>Links a key (public or private) and the certificate of its public key, both ways (the key's side only when <paramref name="keySide"/>).</summary>
    public static void LinkKey(ManagedObject key, ManagedObject certificate, bool keySide = true)
    {
        if (keySide)
        {
            if (!HasLink(key, LinkType.CertificateLink, certificate.Id)) key.AddInstance(CreateKeyPairOperation.Link(LinkType.CertificateLink, certificate.Id));
            key.SystemTags.Add(CertificateAttributes.UidTagPrefix + certificate.Id);
        }
        var back = key.ObjectType == ObjectType.PublicKey ? LinkType.PublicKeyLink : LinkType.PrivateKeyLink;
        if (!HasLink(certificate, back, key.Id)) certificate.AddInstance(CreateKeyPairOperation.Link(back, key.Id));
    }

    /// <summary>The first Link of <paramref name="type"/> (Text String identifier), or null.</summary>
    public static string? Linked(ManagedObject obj, LinkType type)
    {
        foreach (var a in obj.Attributes)
        {
            if (a.Tag == Tag.Link && a.Value.Find(Tag.LinkType) is { } t && t.UInt32 == (uint)type
                && a.Value.Find(Tag.LinkedObjectIdentifier) is { Type: ItemType.TextString } id)
                return id.Text;
        }
        return null;
    }

    /// <summary>Loads a linked object the caller may act on with <paramref name="permission"/>, or null when the link is absent or dangling.</summary>
    public static ManagedObject? TryLoadLinked(OperationContext ctx, ManagedObject obj, LinkType type, Permission permission)
    {
        var id = Linked(obj, type);
        if (id is null || !ctx.Work.TryLoad(id, out var linked) || linked.IsDestroyed || linked.Value is null) return null;
        return AccessControl.MayAct(linked, ctx.Caller.User, permission) ? linked : null;
    }

    /// <summary>The DER of a Certificate object.</summary>
    public static byte[] Der(ManagedObject certificate)
        => certificate.ObjectType == ObjectType.Certificate && certificate.Value?.Find(Tag.CertificateValue) is { Type: ItemType.ByteString } v
            ? v.Bytes
            : throw new KmipFault(ResultReason.InvalidObjectType, "A certificate is required", ResultReason.InvalidField);

    private static bool HasLink(ManagedObject obj, LinkType type, string id)
    {
        foreach (var a in obj.Attributes)
        {
            if (a.Tag == Tag.Link && a.Value.Find(Tag.LinkType) is { } t && t.UInt32 == (uint)type
                && a.Value.Find(Tag.LinkedObjectIdentifier) is { Type: ItemType.TextString } l && l.Text == id)
                return true;
        }
        return false;
    }
}
