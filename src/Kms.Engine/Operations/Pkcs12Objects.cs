using System.Security.Cryptography;
using System.Text;
using Kms.Engine.Access;
using Kms.Engine.Crypto;
using Kms.Engine.Model;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Operations;

/// <summary>
/// Key Format Type PKCS#12 (KMIP 2.1 §11.13, Link Types PKCS#12 Certificate Link / PKCS#12 Password Link §4.31).
/// <list type="bullet">
/// <item>Get / Export of a Private Key as PKCS#12: the key, its certificate (PKCS#12 Certificate Link or Certificate
/// Link of the key, else of its public key) and the issuer chain (the certificates' Certificate Links, as far as the
/// caller may Get them) under a password. The password is, as Cosmian KMS passes it, the Unique Identifier of the
/// request's Key Wrapping Specification Encryption Key Information (when that names a Password Secret Data the
/// caller may Get, its bytes), else the Password Secret Data of the key's PKCS#12 Password Link.</item>
/// <item>Register / Import of a Private Key whose Key Block holds a PKCS#12 (Key Format Type PKCS#12, Key Material
/// bytes): the password comes from the vendor attribute <c>cosmian</c>/<c>pkcs12_password</c> (never stored) or a
/// PKCS#12 Password Link to a Password Secret Data. It creates the private key (PKCS#8, with the request's
/// attributes), its public key (X.509), the certificate and the chain certificates, linked as Certify links them.</item>
/// </list>
/// </summary>
internal static class Pkcs12Objects
{
    /// <summary>Vendor attribute carrying the password of a PKCS#12 on Register / Import.</summary>
    public const string PasswordAttribute = "pkcs12_password";
    private const int MaxPasswordLength = 1024;

    /// <summary>The PKCS#12 form of a private key object (a Private Key structure with a PKCS#12 key block).</summary>
    public static TtlvElement Export(OperationContext ctx, ManagedObject key, TtlvElement? wrapping)
    {
        if (key.ObjectType != ObjectType.PrivateKey)
            throw new KmipFault(ResultReason.KeyFormatTypeNotSupported, "PKCS#12 is a format of private keys", ResultReason.KeyFormatTypeNotSupported);
        var password = ExportPassword(ctx, key, wrapping);
        var subject = ctx.UniqueIdentifier;
        var cert = CertificateLinks.TryLoadLinked(ctx, key, LinkType.PKCS_12CertificateLink, Permission.Get)
            ?? CertificateLinks.TryLoadLinked(ctx, key, LinkType.CertificateLink, Permission.Get)
            ?? (CertificateLinks.TryLoadLinked(ctx, key, LinkType.PublicKeyLink, Permission.Get) is { } pub
                ? CertificateLinks.TryLoadLinked(ctx, pub, LinkType.CertificateLink, Permission.Get) : null)
            ?? throw new KmipFault(ResultReason.ObjectNotFound, "No certificate is linked to the private key", ResultReason.ItemNotFound);
        var leaf = CertificateLinks.Der(cert);
        var chain = new List<byte[]>();
        var current = cert;
        for (int i = 0; i < CertificateLinks.MaxChain; i++)
        {
            var issuer = CertificateLinks.TryLoadLinked(ctx, current, LinkType.CertificateLink, Permission.Get);
            if (issuer is null || issuer.Id == current.Id || issuer.ObjectType != ObjectType.Certificate) break;
            chain.Add(CertificateLinks.Der(issuer));
            current = issuer;
        }
        ctx.UniqueIdentifier = subject;
        var friendly = key.Get(Tag.PKCS_12FriendlyName) is { Type: ItemType.TextString } f ? f.Text : key.Id;
        var pkcs8 = CryptoSupport.PrivateKey(key);
        byte[] p12;
        try { p12 = CryptoSupport.Run(() => Pkcs12Codec.Export(pkcs8, leaf, chain, password, friendly)); }
        finally { CryptographicOperations.ZeroMemory(pkcs8); }
        var block = TtlvElement.Structure(Tag.KeyBlock,
            TtlvElement.Enumeration(Tag.KeyFormatType, (uint)KeyFormatType.PKCS_12),
            TtlvElement.Structure(Tag.KeyValue, TtlvElement.ByteString(Tag.KeyMaterial, p12)));
        foreach (var c in key.Value!.Find(Tag.KeyBlock)!.Children)
            if (c.Tag is Tag.CryptographicAlgorithm or Tag.CryptographicLength) block.Children.Add(c);
        return TtlvElement.Structure(Tag.PrivateKey, block);
    }

    /// <summary>Whether a Register / Import object is a PKCS#12 private key.</summary>
    public static bool IsPkcs12(ObjectType type, TtlvElement value)
        => type == ObjectType.PrivateKey && value.FindPath(Tag.KeyBlock, Tag.KeyFormatType) is { } f && f.UInt32 == (uint)KeyFormatType.PKCS_12;

    /// <summary>
    /// Takes the PKCS#12 password out of Register / Import attributes: the vendor attribute <c>cosmian</c>/<c>pkcs12_password</c>
    /// (removed from <paramref name="attributes"/>, never stored) or a PKCS#12 Password Link to a Password Secret Data.
    /// </summary>
    public static string TakePassword(OperationContext ctx, List<AttributeCodec.Incoming> attributes)
    {
        string? password = null;
        foreach (var a in attributes)
        {
            if (AttributeCodec.IsVendorAttribute(AttributeKey.Of(a.Value), PasswordAttribute))
                password = a.Value.Find(Tag.AttributeValue) is { Type: ItemType.TextString } t ? Bounded(t.Text) : throw KmipFault.Invalid("pkcs12_password must be text");
        }
        attributes.RemoveAll(a => AttributeCodec.IsVendorAttribute(AttributeKey.Of(a.Value), PasswordAttribute));
        if (password is not null) return password;
        foreach (var a in attributes)
        {
            if (a.Value.Tag == Tag.Link && a.Value.Find(Tag.LinkType) is { } lt && lt.UInt32 == (uint)LinkType.PKCS_12PasswordLink
                && a.Value.Find(Tag.LinkedObjectIdentifier) is { Type: ItemType.TextString } pl)
                return SecretPassword(ctx, pl.Text) ?? throw KmipFault.Invalid("The PKCS#12 Password Link must name a Password Secret Data the caller may Get");
        }
        throw KmipFault.Missing("The PKCS#12 password is required (pkcs12_password or a PKCS#12 Password Link)");
    }

    /// <summary>
    /// Replaces the PKCS#12 in <paramref name="privateKey"/>'s Value by its PKCS#8 key, and stores the public key and
    /// the certificates it holds, linked to the key (the caller finishes and saves <paramref name="privateKey"/>, whose
    /// client attributes are already applied: its usage mask gives the public key's).
    /// </summary>
    public static void Expand(OperationContext ctx, ManagedObject privateKey, TtlvElement value, string password)
    {
        if (value.FindPath(Tag.KeyBlock, Tag.KeyValue, Tag.KeyMaterial) is not { Type: ItemType.ByteString } material)
            throw KmipFault.Invalid("A PKCS#12 key block needs Key Material bytes");
        if (value.FindPath(Tag.KeyBlock, Tag.KeyWrappingData) is not null)
            throw new KmipFault(ResultReason.KeyWrapTypeNotSupported, "A PKCS#12 is protected by its password, not wrapped", ResultReason.FeatureNotSupported);
        var contents = CryptoSupport.Run(() => Pkcs12Codec.Import(material.Bytes, password));
        privateKey.Value = TtlvElement.Structure(Tag.PrivateKey, TtlvElement.Structure(Tag.KeyBlock,
            TtlvElement.Enumeration(Tag.KeyFormatType, (uint)KeyFormatType.PKCS_8),
            TtlvElement.Structure(Tag.KeyValue, TtlvElement.ByteString(Tag.KeyMaterial, contents.PrivateKeyPkcs8))));
        var spki = CryptoSupport.Run(() => KeyFormats.PublicFromPrivate(contents.PrivateKeyPkcs8));
        var publicKey = ObjectBuilder.NewObject(ctx, ObjectType.PublicKey);
        publicKey.Value = TtlvElement.Structure(Tag.PublicKey, TtlvElement.Structure(Tag.KeyBlock,
            TtlvElement.Enumeration(Tag.KeyFormatType, (uint)KeyFormatType.X_509),
            TtlvElement.Structure(Tag.KeyValue, TtlvElement.ByteString(Tag.KeyMaterial, spki))));
        CryptoSupport.Describe(privateKey);
        CryptoSupport.Describe(publicKey);
        privateKey.AddInstance(CreateKeyPairOperation.Link(LinkType.PublicKeyLink, publicKey.Id));
        publicKey.AddInstance(CreateKeyPairOperation.Link(LinkType.PrivateKeyLink, privateKey.Id));
        if (privateKey.Get(Tag.CryptographicUsageMask) is { } mask)
            publicKey.AddInstance(TtlvElement.Integer(Tag.CryptographicUsageMask, PublicUsage((CryptographicUsageMask)(uint)mask.Int32)));

        var certs = new List<ManagedObject> { CertificateLinks.NewCertificate(ctx, contents.CertificateDer) };
        foreach (var der in contents.Chain) certs.Add(CertificateLinks.NewCertificate(ctx, der));
        for (int i = 0; i + 1 < certs.Count; i++) certs[i].AddInstance(CreateKeyPairOperation.Link(LinkType.CertificateLink, certs[i + 1].Id));
        CertificateLinks.LinkKey(privateKey, certs[0]);
        CertificateLinks.LinkKey(publicKey, certs[0]);
        ObjectBuilder.Finish(ctx, publicKey);
        ctx.Save(publicKey, touch: false);
        foreach (var c in certs)
        {
            ObjectBuilder.Finish(ctx, c);
            ctx.Save(c, touch: false);
        }
        ctx.UniqueIdentifier = privateKey.Id;
    }

    /// <summary>The public half of a private key's usage mask (Sign → Verify, Decrypt → Encrypt, Unwrap Key → Wrap Key).</summary>
    private static int PublicUsage(CryptographicUsageMask m)
    {
        var p = m & ~(CryptographicUsageMask.Sign | CryptographicUsageMask.Decrypt | CryptographicUsageMask.UnwrapKey | CryptographicUsageMask.CertificateSign);
        if ((m & CryptographicUsageMask.Sign) != 0) p |= CryptographicUsageMask.Verify;
        if ((m & CryptographicUsageMask.Decrypt) != 0) p |= CryptographicUsageMask.Encrypt;
        if ((m & CryptographicUsageMask.UnwrapKey) != 0) p |= CryptographicUsageMask.WrapKey;
        return (int)p;
    }

    private static string ExportPassword(OperationContext ctx, ManagedObject key, TtlvElement? wrapping)
    {
        var subject = ctx.UniqueIdentifier;
        try
        {
            if (wrapping?.FindPath(Tag.EncryptionKeyInformation, Tag.UniqueIdentifier) is { Type: ItemType.TextString } given)
                return SecretPassword(ctx, given.Text) ?? Bounded(given.Text);
            if (CertificateLinks.Linked(key, LinkType.PKCS_12PasswordLink) is { } linked && SecretPassword(ctx, linked) is { } p) return p;
            throw KmipFault.Missing("A PKCS#12 export needs a password (Key Wrapping Specification or PKCS#12 Password Link)");
        }
        finally { ctx.UniqueIdentifier = subject; }
    }

    /// <summary>The text of a Password Secret Data the caller may Get, or null when <paramref name="id"/> names none.</summary>
    private static string? SecretPassword(OperationContext ctx, string id)
    {
        if (!ctx.Work.TryLoad(id, out var obj) || obj.ObjectType != ObjectType.SecretData || obj.IsDestroyed || obj.Value is null) return null;
        if (!AccessControl.MayAct(obj, ctx.Caller.User, Permission.Get)) return null;
        if (obj.Value.Find(Tag.SecretDataType) is not { } t || t.UInt32 != (uint)SecretDataType.Password) return null;
        if (obj.Value.FindPath(Tag.KeyBlock, Tag.KeyValue, Tag.KeyMaterial) is not { Type: ItemType.ByteString } m) return null;
        return Bounded(Encoding.UTF8.GetString(m.Bytes));
    }

    private static string Bounded(string password)
        => password.Length is > 0 and <= MaxPasswordLength ? password : throw KmipFault.Invalid("The PKCS#12 password must have 1 to 1024 characters");
}
