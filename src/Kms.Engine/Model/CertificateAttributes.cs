using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Model;

/// <summary>
/// Derives the certificate attributes of a registered X.509 certificate (KMIP 2.1 §4.6–4.9, 1.4 §3.8–3.12):
/// Certificate Length, Certificate Identifier/Subject/Issuer (1.0 text forms, shown to 1.x clients only),
/// X.509 Certificate Identifier/Subject/Issuer (1.1+, with the alternative names' DER when present), Certificate Subject/Issuer
/// CN, O, OU, Email, C, ST, L, UID, Serial Number, Title, DC, DN Qualifier (1.4+) and Digital Signature
/// Algorithm, and the Digest (KMIP 2.1 §4.15: SHA-256 of the Certificate Value). A value the client already gave
/// is kept. Bytes that do not parse as X.509 only get Certificate Length and Digest. Also sets the system tags of
/// the overview: <c>_cert_spki=&lt;SKI&gt;</c> (RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits,
/// lowercase hex) and, on CA certificates, <c>_cert_ca=&lt;subject CN&gt;</c>.
/// </summary>
internal static class CertificateAttributes
{
    private static readonly (string Oid, Tag Subject, Tag Issuer)[] s_rdns =
    [
        ("2.5.4.3", Tag.CertificateSubjectCN, Tag.CertificateIssuerCN),
        ("2.5.4.10", Tag.CertificateSubjectO, Tag.CertificateIssuerO),
        ("2.5.4.11", Tag.CertificateSubjectOU, Tag.CertificateIssuerOU),
        ("1.2.840.113549.1.9.1", Tag.CertificateSubjectEmail, Tag.CertificateIssuerEmail),
        ("2.5.4.6", Tag.CertificateSubjectC, Tag.CertificateIssuerC),
        ("2.5.4.8", Tag.CertificateSubjectST, Tag.CertificateIssuerST),
        ("2.5.4.7", Tag.CertificateSubjectL, Tag.CertificateIssuerL),
        ("0.9.2342.19200300.100.1.1", Tag.CertificateSubjectUID, Tag.CertificateIssuerUID),
        ("2.5.4.5", Tag.CertificateSubjectSerialNumber, Tag.CertificateIssuerSerialNumber),
        ("2.5.4.12", Tag.CertificateSubjectTitle, Tag.CertificateIssuerTitle),
        ("0.9.2342.19200300.100.1.25", Tag.CertificateSubjectDC, Tag.CertificateIssuerDC),
        ("2.5.4.46", Tag.CertificateSubjectDNQualifier, Tag.CertificateIssuerDNQualifier),
    ];

    private static readonly Dictionary<string, DigitalSignatureAlgorithm> s_signatures = new(StringComparer.Ordinal)
    {
        ["1.2.840.113549.1.1.5"] = DigitalSignatureAlgorithm.SHA_1WithRSAEncryption,
        ["1.2.840.113549.1.1.14"] = DigitalSignatureAlgorithm.SHA_224WithRSAEncryption,
        ["1.2.840.113549.1.1.11"] = DigitalSignatureAlgorithm.SHA_256WithRSAEncryption,
        ["1.2.840.113549.1.1.12"] = DigitalSignatureAlgorithm.SHA_384WithRSAEncryption,
        ["1.2.840.113549.1.1.13"] = DigitalSignatureAlgorithm.SHA_512WithRSAEncryption,
        ["1.2.840.113549.1.1.10"] = DigitalSignatureAlgorithm.RSASSA_PSS,
        ["1.2.840.10040.4.3"] = DigitalSignatureAlgorithm.DSAWithSHA_1,
        ["2.16.840.1.101.3.4.3.1"] = DigitalSignatureAlgorithm.DSAWithSHA224,
        ["2.16.840.1.101.3.4.3.2"] = DigitalSignatureAlgorithm.DSAWithSHA256,
        ["1.2.840.10045.4.1"] = DigitalSignatureAlgorithm.ECDSAWithSHA_1,
        ["1.2.840.10045.4.3.1"] = DigitalSignatureAlgorithm.ECDSAWithSHA224,
        ["1.2.840.10045.4.3.2"] = DigitalSignatureAlgorithm.ECDSAWithSHA256,
        ["1.2.840.10045.4.3.3"] = DigitalSignatureAlgorithm.ECDSAWithSHA384,
        ["1.2.840.10045.4.3.4"] = DigitalSignatureAlgorithm.ECDSAWithSHA512,
    };

    /// <summary>System tag on keys linked to a certificate: <c>_cert_uid=&lt;certificate id&gt;</c>.</summary>
    public const string UidTagPrefix = "_cert_uid=";
    /// <summary>System tag on certificates: <c>_cert_spki=&lt;subject key identifier hex&gt;</c>.</summary>
    public const string SpkiTagPrefix = "_cert_spki=";
    /// <summary>System tag on CA certificates: <c>_cert_ca=&lt;subject CN&gt;</c>.</summary>
    public const string CaTagPrefix = "_cert_ca=";
    private const string BasicConstraintsOid = "2.5.29.19";
    private const string SubjectAltNameOid = "2.5.29.17";
    private const string IssuerAltNameOid = "2.5.29.18";

    public static void Derive(ManagedObject obj)
    {
        if (obj.ObjectType != ObjectType.Certificate || obj.Value?.Find(Tag.CertificateValue) is not { Type: ItemType.ByteString } value) return;
        Add(obj, TtlvElement.Integer(Tag.CertificateLength, value.Bytes.Length));
        Add(obj, TtlvElement.Structure(Tag.Digest,
            TtlvElement.Enumeration(Tag.HashingAlgorithm, (uint)HashingAlgorithm.SHA_256),
            TtlvElement.ByteString(Tag.DigestValue, SHA256.HashData(value.Bytes))));
        if (obj.Value.Find(Tag.CertificateType) is not { } type || type.UInt32 != (uint)CertificateType.X_509) return;
        // Everything is read first: a certificate that fails to parse part-way (the BCL decodes some fields lazily)
        // gets none of these attributes rather than half of them.
        var derived = new List<TtlvElement>();
        var tags = new List<string>();
        try
        {
            using var cert = X509CertificateLoader.LoadCertificate(value.Bytes);
            var serial = cert.SerialNumberBytes.ToArray(); // big-endian, as in the DER (GetSerialNumber() is the little-endian one)
            derived.Add(TtlvElement.Structure(Tag.X_509CertificateIdentifier,
                TtlvElement.ByteString(Tag.IssuerDistinguishedName, cert.IssuerName.RawData),
                TtlvElement.ByteString(Tag.CertificateSerialNumber, serial)));
            var subjectAlt = cert.Extensions[SubjectAltNameOid];
            var issuerAlt = cert.Extensions[IssuerAltNameOid];
            var x509Subject = TtlvElement.Structure(Tag.X_509CertificateSubject, TtlvElement.ByteString(Tag.SubjectDistinguishedName, cert.SubjectName.RawData));
            if (subjectAlt is not null) x509Subject.Children.Add(TtlvElement.ByteString(Tag.SubjectAlternativeName, subjectAlt.RawData));
            derived.Add(x509Subject);
            var x509Issuer = TtlvElement.Structure(Tag.X_509CertificateIssuer, TtlvElement.ByteString(Tag.IssuerDistinguishedName, cert.IssuerName.RawData));
            if (issuerAlt is not null) x509Issuer.Children.Add(TtlvElement.ByteString(Tag.IssuerAlternativeName, issuerAlt.RawData));
            derived.Add(x509Issuer);
            // KMIP 1.0 §3.13–3.15 forms (deprecated since 1.1, removed in 2.0; only 1.x clients see them).
            derived.Add(TtlvElement.Structure(Tag.CertificateIdentifier,
                TtlvElement.TextString(Tag.Issuer, cert.IssuerName.Name), TtlvElement.TextString(Tag.SerialNumber, cert.SerialNumber)));
            var v10Subject = TtlvElement.Structure(Tag.CertificateSubject, TtlvElement.TextString(Tag.CertificateSubjectDistinguishedName, cert.SubjectName.Name));
            if (subjectAlt is X509SubjectAlternativeNameExtension san)
            {
                foreach (var dns in san.EnumerateDnsNames()) v10Subject.Children.Add(TtlvElement.TextString(Tag.CertificateSubjectAlternativeName, dns));
                foreach (var ip in san.EnumerateIPAddresses()) v10Subject.Children.Add(TtlvElement.TextString(Tag.CertificateSubjectAlternativeName, ip.ToString()));
            }
            derived.Add(v10Subject);
            derived.Add(TtlvElement.Structure(Tag.CertificateIssuer, TtlvElement.TextString(Tag.CertificateIssuerDistinguishedName, cert.IssuerName.Name)));
            if (cert.SignatureAlgorithm.Value is { } oid && s_signatures.TryGetValue(oid, out var alg))
                derived.Add(TtlvElement.Enumeration(Tag.DigitalSignatureAlgorithm, (uint)alg));
            var names = new List<TtlvElement>();
            AddNames(names, cert.SubjectName, subject: true);
            AddNames(names, cert.IssuerName, subject: false);
            tags.Add(SpkiTagPrefix + Convert.ToHexStringLower(SHA1.HashData(cert.PublicKey.EncodedKeyValue.RawData)));
            if (cert.Extensions[BasicConstraintsOid] is X509BasicConstraintsExtension { CertificateAuthority: true })
            {
                foreach (var n in names)
                    if (n.Tag == Tag.CertificateSubjectCN) tags.Add(CaTagPrefix + n.Text);
            }
            foreach (var d in derived) Add(obj, d);
            foreach (var n in names) obj.AddInstance(n);
            foreach (var t in tags) obj.SystemTags.Add(t);
        }
        catch (CryptographicException)
        {
        }
    }

    private static void AddNames(List<TtlvElement> names, X500DistinguishedName name, bool subject)
    {
        foreach (var rdn in name.EnumerateRelativeDistinguishedNames())
        {
            if (rdn.HasMultipleElements) continue;
            var oid = rdn.GetSingleElementType().Value;
            var text = rdn.GetSingleElementValue();
            if (text is null) continue;
            foreach (var (o, s, i) in s_rdns)
            {
                if (o == oid) names.Add(TtlvElement.TextString(subject ? s : i, text));
            }
        }
    }

    private static void Add(ManagedObject obj, TtlvElement value)
    {
        if (obj.Get(value.Tag) is null) obj.AddInstance(value);
    }
}
