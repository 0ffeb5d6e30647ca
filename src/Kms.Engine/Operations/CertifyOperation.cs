using System.Security.Cryptography;
using System.Text;
using Kms.Engine.Access;
using Kms.Engine.Crypto;
using Kms.Engine.Model;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Operations;

/// <summary>
/// Certify (KMIP 2.1 §6.1.6; 1.4 §4.7): issues an X.509 certificate and stores it as a new Certificate object.
/// <list type="bullet">
/// <item>Subject key: the Public Key named by Unique Identifier (a Private Key stands for its linked public key;
/// the ID Placeholder after Create Key Pair is the private key), or a PKCS#10 request: Certificate Request Type
/// PKCS#10 (DER) or PEM with Certificate Request Value (2.x) / Certificate Request (1.x). The request's
/// self-signature must verify (Invalid CSR).</item>
/// <item>Subject name: the Certificate Subject CN, O, OU, Email, C, ST, L, UID, Serial Number, Title, DC and DN
/// Qualifier attributes, or X.509 Certificate Subject (DER), else the request's subject.</item>
/// <item>Issuer: a Link of type Certificate Link to the CA certificate and a Private Key Link to its private key
/// (absent: the CA certificate's own private key link); without a Certificate Link the certificate is
/// self-signed with the private key of the subject key. The issuer key must be Active, allow Sign or
/// Certificate Sign and the caller needs the Sign right on it.</item>
/// <item>Extensions (vendor attribute <c>cosmian</c>/<c>x509_extensions</c>, OpenSSL <c>x509v3_config</c> lines;
/// see <see cref="CertificateExtensions"/>) and validity (<c>cosmian</c>/<c>requested_validity_days</c>, default 365).
/// SKI and AKI are always present.</item>
/// </list>
/// The new certificate gets the certificate attributes (as for Register), the links (Public Key, Private Key,
/// issuer Certificate Link) and the system tags; the subject keys get a Certificate Link and <c>_cert_uid=</c>
/// when the caller owns them.
/// Sets the ID Placeholder. Needs the create right.
/// </summary>
internal sealed class CertifyOperation : IKmipOperation
{
    /// <summary>Vendor attribute holding the X.509 extensions (OpenSSL configuration syntax).</summary>
    public const string ExtensionsAttribute = "x509_extensions";
    /// <summary>Vendor attribute holding the validity in days (Text String or Integer).</summary>
    public const string ValidityDaysAttribute = "requested_validity_days";
    private const int DefaultValidityDays = 365;
    private const int MaxValidityDays = 100 * 366;

    private static readonly (Tag Tag, string Rdn)[] s_subjectFields =
    [
        (Tag.CertificateSubjectC, "C"), (Tag.CertificateSubjectST, "ST"), (Tag.CertificateSubjectL, "L"),
        (Tag.CertificateSubjectO, "O"), (Tag.CertificateSubjectOU, "OU"), (Tag.CertificateSubjectDC, "DC"),
        (Tag.CertificateSubjectTitle, "T"), (Tag.CertificateSubjectSerialNumber, "SERIALNUMBER"),
        (Tag.CertificateSubjectDNQualifier, "DN"), (Tag.CertificateSubjectUID, "UID"),
        (Tag.CertificateSubjectEmail, "E"), (Tag.CertificateSubjectCN, "CN"),
    ];

    public Operation Operation => Operation.Certify;

    public TtlvElement Execute(OperationContext ctx, TtlvElement payload)
    {
        ObjectBuilder.RequireCreateRight(ctx);
        var subjectParts = new List<(int Order, string Rdn, string Value)>();
        byte[]? subjectDer = null;
        string? extensions = null;
        int days = DefaultValidityDays;
        string? issuerCertId = null, issuerKeyId = null;
        var rest = new List<AttributeCodec.Incoming>();
        foreach (var incoming in AttributeCodec.ReadAttributes(payload, ctx.Version))
        {
            var value = incoming.Value;
            var key = AttributeKey.Of(value);
            int field = Array.FindIndex(s_subjectFields, f => f.Tag == value.Tag);
            if (field >= 0)
            {
                if (value.Type != ItemType.TextString) throw KmipFault.Invalid("Certificate Subject fields are text");
                subjectParts.Add((field, s_subjectFields[field].Rdn, value.Text));
            }
            else if (value.Tag == Tag.X_509CertificateSubject)
                subjectDer = value.Find(Tag.SubjectDistinguishedName) is { Type: ItemType.ByteString } dn ? dn.Bytes : throw KmipFault.Invalid("X.509 Certificate Subject needs a Subject Distinguished Name");
            else if (AttributeCodec.IsVendorAttribute(key, ExtensionsAttribute))
                extensions = value.Find(Tag.AttributeValue) is { Type: ItemType.TextString } e ? e.Text : throw KmipFault.Invalid("x509_extensions must be text");
            else if (AttributeCodec.IsVendorAttribute(key, ValidityDaysAttribute))
                days = ValidityDays(value.Find(Tag.AttributeValue));
            else if (value.Tag == Tag.Link && value.Find(Tag.LinkType) is { } lt && (LinkType)lt.UInt32 is LinkType.CertificateLink or LinkType.PrivateKeyLink)
            {
                var id = value.Find(Tag.LinkedObjectIdentifier) is { Type: ItemType.TextString } l ? l.Text : throw KmipFault.Invalid("Linked Object Identifier must be text");
                if ((LinkType)lt.UInt32 == LinkType.CertificateLink) issuerCertId = id; else issuerKeyId = id;
            }
            else rest.Add(incoming);
        }

        // The subject key: a stored public key, or a PKCS#10 request.
        byte[]? request = RequestBytes(ctx, payload);
        ManagedObject? publicKey = null, privateKey = null;
        byte[] subjectSpki;
        if (request is null)
        {
            var id = ctx.ResolveId(payload);
            var obj = ctx.Load(id, Permission.Get);
            if (obj.IsDestroyed || obj.Value is null) throw new KmipFault(ResultReason.ObjectDestroyed, "Object destroyed", ResultReason.ItemNotFound);
            if (obj.ObjectType == ObjectType.PrivateKey)
            {
                privateKey = obj;
                publicKey = CertificateLinks.TryLoadLinked(ctx, obj, LinkType.PublicKeyLink, Permission.Get)
                    ?? throw new KmipFault(ResultReason.InvalidObjectType, "The private key has no public key link", ResultReason.InvalidField);
            }
            else if (obj.ObjectType == ObjectType.PublicKey)
            {
                publicKey = obj;
                privateKey = CertificateLinks.TryLoadLinked(ctx, obj, LinkType.PrivateKeyLink, Permission.Sign);
            }
            else throw new KmipFault(ResultReason.InvalidObjectType, "Certify needs a public key or a certificate request", ResultReason.InvalidField);
            subjectSpki = CryptoSupport.PublicKey(publicKey);
        }
        else subjectSpki = CryptoSupport.Run(() => Certificates.ParseRequest(request)).PublicKeySpki;

        // The issuer: a CA certificate and its private key, or self-signed.
        ManagedObject? issuerCert = null;
        ManagedObject issuerKey;
        if (issuerCertId is not null)
        {
            issuerCert = ctx.Load(issuerCertId, Permission.Get);
            CertificateLinks.Der(issuerCert); // Invalid Object Type unless it is a certificate
            issuerKeyId ??= CertificateLinks.Linked(issuerCert, LinkType.PrivateKeyLink)
                ?? throw KmipFault.Missing("No private key is linked to the issuer certificate");
            issuerKey = IssuerKey(ctx, issuerKeyId);
        }
        else if (issuerKeyId is not null)
        {
            issuerKey = IssuerKey(ctx, issuerKeyId);
            var pkcs8 = CryptoSupport.PrivateKey(issuerKey);
            bool own;
            try { own = CryptoSupport.Run(() => KeyFormats.PublicFromPrivate(pkcs8)).AsSpan().SequenceEqual(subjectSpki); }
            finally { CryptographicOperations.ZeroMemory(pkcs8); }
            if (!own) throw KmipFault.Missing("An issuer private key without its certificate can only self-sign its own public key");
        }
        else
        {
            issuerKey = privateKey is not null ? IssuerKey(ctx, privateKey.Id)
                : throw KmipFault.Missing("A self-signed certificate needs the subject's private key; link an issuer certificate otherwise");
        }

        var template = new CertificateTemplate
        {
            Subject = SubjectName(subjectParts, subjectDer),
            NotBefore = DateTimeOffset.FromUnixTimeSeconds(ctx.Now).AddMinutes(-1),
            NotAfter = DateTimeOffset.FromUnixTimeSeconds(ctx.Now).AddDays(days),
        };
        if (extensions is not null) template = CryptoSupport.Run(() => CertificateExtensions.Apply(template, extensions));
        if (template.Subject.Length == 0 && request is null) throw KmipFault.Missing("Certificate subject attributes are required");
        var issuerPkcs8 = CryptoSupport.PrivateKey(issuerKey);
        byte[] der;
        try
        {
            var issuerDer = issuerCert is null ? null : CertificateLinks.Der(issuerCert);
            der = request is null
                ? CryptoSupport.Run(() => Certificates.Issue(CryptoSupport.Policy(ctx), template, subjectSpki, issuerPkcs8, issuerDer))
                : CryptoSupport.Run(() => Certificates.IssueFromRequest(CryptoSupport.Policy(ctx), request, template, issuerPkcs8, issuerDer));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(issuerPkcs8);
        }

        var cert = CertificateLinks.NewCertificate(ctx, der);
        ObjectBuilder.ApplyClientAttributes(ctx, cert, rest);
        if (issuerCert is not null) cert.AddInstance(CreateKeyPairOperation.Link(LinkType.CertificateLink, issuerCert.Id));
        // Attribute changes are the owner's (docs/access-rights.md): a key certified by a grantee keeps its links as they are.
        foreach (var key in (ReadOnlySpan<ManagedObject?>)[publicKey, privateKey])
        {
            if (key is null) continue;
            bool owned = AccessControl.MayAct(key, ctx.Caller.User, Permission.None);
            CertificateLinks.LinkKey(key, cert, keySide: owned);
            if (owned) ctx.Save(key);
        }
        ObjectBuilder.Finish(ctx, cert);
        ctx.Save(cert, touch: false);
        ctx.Batch.IdPlaceholder = cert.Id;
        ctx.UniqueIdentifier = cert.Id;
        return OperationContext.PayloadWithId(cert.Id);
    }

    /// <summary>The issuer's private key: the caller needs Sign on it; it must be Active and allow Sign or Certificate Sign.</summary>
    private static ManagedObject IssuerKey(OperationContext ctx, string id)
    {
        var key = ctx.Load(id, Permission.Sign);
        if (key.ObjectType != ObjectType.PrivateKey) throw new KmipFault(ResultReason.InvalidObjectType, "The issuer key must be a private key", ResultReason.InvalidField);
        if (key.IsDestroyed || key.Value is null) throw new KmipFault(ResultReason.ObjectDestroyed, "Object destroyed", ResultReason.ItemNotFound);
        Lifecycle.Require(key, "The issuer key is not Active", State.Active);
        if ((key.UsageMask & (CryptographicUsageMask.Sign | CryptographicUsageMask.CertificateSign)) == 0)
            throw new KmipFault(ResultReason.IncompatibleCryptographicUsageMask, "The issuer key may not sign certificates", ResultReason.PermissionDenied);
        return key;
    }

    /// <summary>The PKCS#10 request (DER) of the payload, or null. 2.x: Certificate Request Value; 1.x: Certificate Request (Byte String).</summary>
    private static byte[]? RequestBytes(OperationContext ctx, TtlvElement payload)
    {
        if (!ctx.Is1x && payload.Find(Tag.CertificateRequestUniqueIdentifier) is not null)
            throw new KmipFault(ResultReason.FeatureNotSupported, "Certificate Request objects are not stored; send the Certificate Request Value");
        var value = payload.Find(ctx.Is1x ? Tag.CertificateRequest : Tag.CertificateRequestValue);
        if (value is null) return null;
        if (value.Type != ItemType.ByteString) throw KmipFault.Invalid("The certificate request must be a Byte String");
        var type = payload.Find(Tag.CertificateRequestType) is { Type: ItemType.Enumeration } t ? (CertificateRequestType)t.UInt32
            : throw KmipFault.Missing("Certificate Request Type is required");
        return type switch
        {
            CertificateRequestType.PKCS_10 => value.Bytes,
            CertificateRequestType.PEM => PemRequest(value.Bytes),
            _ => throw new KmipFault(ResultReason.FeatureNotSupported, "Only PKCS#10 and PEM certificate requests are supported"),
        };
    }

    private static byte[] PemRequest(byte[] pem)
    {
        if (pem.Length > Certificates.MaxLength * 2) throw new KmipFault(ResultReason.InvalidCSR, "Certificate request too large", ResultReason.CryptographicFailure);
        var text = Encoding.ASCII.GetString(pem);
        if (!PemEncoding.TryFind(text, out var fields) || text[fields.Label] is not ("CERTIFICATE REQUEST" or "NEW CERTIFICATE REQUEST"))
            throw new KmipFault(ResultReason.InvalidCSR, "No PEM certificate request found", ResultReason.CryptographicFailure);
        return Convert.FromBase64String(text[fields.Base64Data]);
    }

    /// <summary>The subject DN in BouncyCastle X509Name syntax (written order = DER order) from the subject fields, or from DER.</summary>
    private static string SubjectName(List<(int Order, string Rdn, string Value)> parts, byte[]? der)
    {
        if (der is not null)
        {
            if (der.Length > Certificates.MaxLength) throw KmipFault.Invalid("X.509 Certificate Subject too long");
            try { return Org.BouncyCastle.Asn1.X509.X509Name.GetInstance(Org.BouncyCastle.Asn1.Asn1Object.FromByteArray(der)).ToString(); }
            catch (Exception e) when (e is ArgumentException or IOException or InvalidCastException) { throw KmipFault.Invalid("X.509 Certificate Subject is not a distinguished name"); }
        }
        var sb = new StringBuilder();
        // Most significant first (C … CN), whatever the request's attribute order; a stable sort keeps repeated fields in order.
        foreach (var (_, rdn, value) in parts.OrderBy(p => p.Order))
        {
            if (sb.Length > 0) sb.Append(',');
            sb.Append(rdn).Append('=').Append(Escape(value));
        }
        return sb.ToString();
    }

    private static string Escape(string value)
    {
        var sb = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (c is ',' or '+' or '"' or '\\' or '<' or '>' or ';' or '=') sb.Append('\\');
            sb.Append(c);
        }
        return sb.ToString();
    }

    private static int ValidityDays(TtlvElement? value)
    {
        int days = value switch
        {
            { Type: ItemType.Integer } i => i.Int32,
            { Type: ItemType.TextString } t when int.TryParse(t.Text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var d) => d,
            _ => throw KmipFault.Invalid("requested_validity_days must be a number of days"),
        };
        return days is > 0 and <= MaxValidityDays ? days : throw KmipFault.Invalid("requested_validity_days out of range");
    }
}
