using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Kms.Ttlv;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.X509;
using Org.BouncyCastle.X509.Extension;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace Kms.Engine.Crypto;

/// <summary>What to put in a certificate (KMIP Certify, KMIP 2.1 §6.1.5; RFC 5280 §4.2 extensions).</summary>
public sealed record CertificateTemplate
{
    /// <summary>Subject distinguished name, e.g. "CN=host,O=Example" (RFC 4514 order as written). Empty with a PKCS#10 request = the request's subject.</summary>
    public string Subject { get; init; } = "";
    /// <summary>Serial number (unsigned big-endian); null = 16 random bytes (positive).</summary>
    public byte[]? SerialNumber { get; init; }
    /// <summary>Start of validity.</summary>
    public DateTimeOffset NotBefore { get; init; } = DateTimeOffset.UtcNow.AddMinutes(-5);
    /// <summary>End of validity.</summary>
    public DateTimeOffset NotAfter { get; init; } = DateTimeOffset.UtcNow.AddYears(1);
    /// <summary>Basic constraints cA (critical).</summary>
    public bool IsCa { get; init; }
    /// <summary>Basic constraints pathLenConstraint for a CA; null = none.</summary>
    public int? PathLength { get; init; }
    /// <summary>Key usage bits (critical); None = no extension.</summary>
    public X509KeyUsageFlags KeyUsage { get; init; }
    /// <summary>Extended key usage OIDs, e.g. "1.3.6.1.5.5.7.3.1" (serverAuth).</summary>
    public IReadOnlyList<string> ExtendedKeyUsages { get; init; } = [];
    /// <summary>Subject alternative names: DNS names.</summary>
    public IReadOnlyList<string> DnsNames { get; init; } = [];
    /// <summary>Subject alternative names: IP addresses.</summary>
    public IReadOnlyList<string> IpAddresses { get; init; } = [];
    /// <summary>Subject alternative names: e-mail addresses.</summary>
    public IReadOnlyList<string> Emails { get; init; } = [];
    /// <summary>Subject alternative names: URIs.</summary>
    public IReadOnlyList<string> Uris { get; init; } = [];
}

/// <remarks><see cref="KeyIdentifierHex"/> is the RFC 5280 §4.2.1.2 method (1) key identifier (SHA-1 of the
/// subjectPublicKey BIT STRING value, lowercase hex), i.e. the Subject Key Identifier our certificates carry:
/// the value of the <c>_cert_spki=</c> system tag. <see cref="SpkiSha256Hex"/> is SHA-256 of the whole SPKI DER.</remarks>
/// <summary>Certificate attributes for Register/Import (KMIP 2.1 §4: Certificate Type, X.509 Certificate Identifier/Subject/Issuer, Digital Signature Algorithm; plus what the system tags need).</summary>
public sealed record CertificateInfo(
    string Subject,
    string Issuer,
    byte[] SubjectDer,
    byte[] IssuerDer,
    byte[] SerialNumber,
    DateTimeOffset NotBefore,
    DateTimeOffset NotAfter,
    string SignatureAlgorithmOid,
    DigitalSignatureAlgorithm? DigitalSignatureAlgorithm,
    byte[] PublicKeySpki,
    KeyDescription PublicKey,
    byte[]? SubjectKeyIdentifier,
    byte[]? AuthorityKeyIdentifier,
    bool IsCa,
    string? CommonName,
    IReadOnlyList<string> SubjectAlternativeNames,
    string SpkiSha256Hex,
    string CertificateSha256Hex,
    string KeyIdentifierHex);

/// <summary>A PKCS#10 request after its self-signature was verified.</summary>
public sealed record CertificateRequestInfo(string Subject, byte[] PublicKeySpki, IReadOnlyList<string> DnsNames, IReadOnlyList<string> IpAddresses, IReadOnlyList<string> Emails, IReadOnlyList<string> Uris);

/// <summary>Outcome of chain validation (KMIP Validate, KMIP 2.1 §6.1.51). <see cref="Chain"/> runs leaf → anchor when valid.</summary>
public sealed record ChainValidation(ValidityIndicator Indicator, string? Reason, IReadOnlyList<byte[]> Chain);

/// <summary>
/// X.509 certificates: issue (self-signed or by a CA key and certificate) from a public key or a PKCS#10
/// request, parse into KMIP attributes, and validate a chain against a given set of certificates.
/// BouncyCastle builds them, so every key type this layer generates can be certified and can sign.
/// </summary>
public static class Certificates
{
    /// <summary>Largest certificate or request accepted.</summary>
    public const int MaxLength = 64 * 1024;

    /// <summary>Longest chain followed by <see cref="Validate"/>.</summary>
    public const int MaxChainDepth = 8;

    /// <summary>
    /// Issues a certificate for <paramref name="subjectPublicKeySpki"/>. With an empty
    /// <paramref name="issuerCertificateDer"/> it is self-signed (issuer = subject; the issuer key signs).
    /// Adds SKI, and AKI from the issuer's key. Signature: SHA-256 (P-384: SHA-384, P-521: SHA-512) with
    /// RSA PKCS#1 v1.5 or ECDSA; EdDSA and ML-DSA natively.
    /// </summary>
    public static byte[] Issue(AlgorithmPolicy policy, CertificateTemplate template, ReadOnlySpan<byte> subjectPublicKeySpki,
        ReadOnlySpan<byte> issuerPrivateKeyPkcs8, ReadOnlySpan<byte> issuerCertificateDer = default)
    {
        KeyDescription.FromSpki(subjectPublicKeySpki);
        var issuerDesc = KeyDescription.FromPkcs8(issuerPrivateKeyPkcs8);
        var (sigAlg, hash) = SignatureAlgorithm(issuerDesc);
        policy.Check(new AlgorithmUse(CryptoUse.Sign, issuerDesc.Algorithm, issuerDesc.Bits, issuerDesc.Curve, Hash: hash));
        if (template.NotAfter <= template.NotBefore) CryptoFailure.Throw(CryptoFailureReason.BadParameters, "Certificate validity ends before it starts.");

        var subject = Name(template.Subject);
        var subjectKey = Keys.PublicFromSpki(subjectPublicKeySpki);
        var issuerKey = Keys.PrivateFromPkcs8(issuerPrivateKeyPkcs8);
        X509Name issuerName;
        AuthorityKeyIdentifier aki;
        if (issuerCertificateDer.IsEmpty)
        {
            issuerName = subject;
            aki = X509ExtensionUtilities.CreateAuthorityKeyIdentifier(SubjectPublicKeyInfo.GetInstance(subjectPublicKeySpki.ToArray()));
        }
        else
        {
            var issuerCert = Load(issuerCertificateDer);
            if (!Keys.ToSpki(issuerCert.GetPublicKey()).AsSpan().SequenceEqual(KeyFormats.PublicFromPrivate(issuerPrivateKeyPkcs8)))
                CryptoFailure.Throw(CryptoFailureReason.IncompatibleKey, "The issuer private key does not match the issuer certificate.");
            if (!IsCa(issuerCert)) CryptoFailure.Throw(CryptoFailureReason.IncompatibleKey, "The issuer certificate is not a CA certificate.");
            issuerName = issuerCert.SubjectDN;
            aki = X509ExtensionUtilities.CreateAuthorityKeyIdentifier(issuerCert.SubjectPublicKeyInfo);
        }

        var gen = new X509V3CertificateGenerator();
        gen.SetSerialNumber(Serial(template.SerialNumber));
        gen.SetIssuerDN(issuerName);
        gen.SetSubjectDN(subject);
        gen.SetNotBefore(template.NotBefore.UtcDateTime);
        gen.SetNotAfter(template.NotAfter.UtcDateTime);
        gen.SetPublicKey(subjectKey);
        gen.AddExtension(X509Extensions.SubjectKeyIdentifier, false, X509ExtensionUtilities.CreateSubjectKeyIdentifier(subjectKey));
        gen.AddExtension(X509Extensions.AuthorityKeyIdentifier, false, aki);
        if (template.IsCa)
            gen.AddExtension(X509Extensions.BasicConstraints, true, template.PathLength is int n ? new BasicConstraints(n) : new BasicConstraints(true));
        else
            gen.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(false));
        if (template.KeyUsage != X509KeyUsageFlags.None)
            gen.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage((int)template.KeyUsage));
        if (template.ExtendedKeyUsages.Count > 0)
        {
            var oids = new Asn1EncodableVector();
            foreach (var oid in template.ExtendedKeyUsages) oids.Add(Oid(oid));
            gen.AddExtension(X509Extensions.ExtendedKeyUsage, false, new DerSequence(oids));
        }
        var san = AltNames(template.DnsNames, template.IpAddresses, template.Emails, template.Uris);
        if (san is not null) gen.AddExtension(X509Extensions.SubjectAlternativeName, false, san);

        try { return gen.Generate(new Asn1SignatureFactory(sigAlg, issuerKey, Keys.Random)).GetEncoded(); }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or Org.BouncyCastle.Security.SecurityUtilityException)
        {
            return CryptoFailure.Throw<byte[]>(CryptoFailureReason.UnsupportedParameters, "The issuer key type cannot sign certificates here.");
        }
    }

    /// <summary>Verifies and reads a PKCS#10 request (DER). Malformed or badly self-signed requests are <see cref="CryptoFailureReason.InvalidCsr"/>.</summary>
    public static CertificateRequestInfo ParseRequest(ReadOnlySpan<byte> pkcs10Der)
    {
        if (pkcs10Der.Length > MaxLength) CryptoFailure.Throw(CryptoFailureReason.InvalidCsr, "Certificate request too large.");
        Pkcs10CertificationRequest req;
        bool ok;
        try
        {
            req = new Pkcs10CertificationRequest(pkcs10Der.ToArray());
            ok = req.Verify();
        }
        catch (Exception) { return CryptoFailure.Throw<CertificateRequestInfo>(CryptoFailureReason.InvalidCsr, "Certificate request could not be decoded."); }
        if (!ok) CryptoFailure.Throw(CryptoFailureReason.InvalidCsr, "Certificate request signature does not verify.");
        var info = req.GetCertificationRequestInfo();
        List<string> dns = [], ips = [], emails = [], uris = [];
        var ext = req.GetRequestedExtensions();
        var sanExt = ext?.GetExtension(X509Extensions.SubjectAlternativeName);
        if (sanExt is not null)
            foreach (var gn in GeneralNames.GetInstance(sanExt.GetParsedValue()).GetNames())
                Sort(gn, dns, ips, emails, uris);
        return new CertificateRequestInfo(info.Subject.ToString(), info.SubjectPublicKeyInfo.GetDerEncoded(), dns, ips, emails, uris);
    }

    /// <summary>Issues a certificate for a verified PKCS#10 request. The template's subject (if set) and SANs (if any) override the request's.</summary>
    public static byte[] IssueFromRequest(AlgorithmPolicy policy, ReadOnlySpan<byte> pkcs10Der, CertificateTemplate template,
        ReadOnlySpan<byte> issuerPrivateKeyPkcs8, ReadOnlySpan<byte> issuerCertificateDer = default)
    {
        var req = ParseRequest(pkcs10Der);
        bool templateSans = template.DnsNames.Count + template.IpAddresses.Count + template.Emails.Count + template.Uris.Count > 0;
        var t = template with
        {
            Subject = template.Subject.Length > 0 ? template.Subject : req.Subject,
            DnsNames = templateSans ? template.DnsNames : req.DnsNames,
            IpAddresses = templateSans ? template.IpAddresses : req.IpAddresses,
            Emails = templateSans ? template.Emails : req.Emails,
            Uris = templateSans ? template.Uris : req.Uris,
        };
        return Issue(policy, t, req.PublicKeySpki, issuerPrivateKeyPkcs8, issuerCertificateDer);
    }

    /// <summary>Parses a DER certificate into KMIP certificate attributes. Malformed input is <see cref="CryptoFailureReason.InvalidCertificate"/>.</summary>
    public static CertificateInfo Parse(ReadOnlySpan<byte> der)
    {
        var c = Load(der);
        var spki = c.SubjectPublicKeyInfo.GetDerEncoded();
        byte[]? ski = null, aki = null;
        var skiExt = c.GetExtensionValue(X509Extensions.SubjectKeyIdentifier);
        if (skiExt is not null) ski = Asn1OctetString.GetInstance(X509ExtensionUtilities.FromExtensionValue(skiExt)).GetOctets();
        var akiExt = c.GetExtensionValue(X509Extensions.AuthorityKeyIdentifier);
        if (akiExt is not null) aki = AuthorityKeyIdentifier.GetInstance(X509ExtensionUtilities.FromExtensionValue(akiExt)).KeyIdentifier?.GetOctets();
        var sans = new List<string>();
        var sanExt = c.GetExtensionValue(X509Extensions.SubjectAlternativeName);
        if (sanExt is not null)
            foreach (var gn in GeneralNames.GetInstance(X509ExtensionUtilities.FromExtensionValue(sanExt)).GetNames())
                sans.Add(GeneralNameText(gn));
        var cn = c.SubjectDN.GetValueList(X509Name.CN);
        return new CertificateInfo(
            c.SubjectDN.ToString(), c.IssuerDN.ToString(),
            c.SubjectDN.GetDerEncoded(), c.IssuerDN.GetDerEncoded(),
            c.SerialNumber.ToByteArrayUnsigned(),
            new DateTimeOffset(DateTime.SpecifyKind(c.NotBefore, DateTimeKind.Utc)),
            new DateTimeOffset(DateTime.SpecifyKind(c.NotAfter, DateTimeKind.Utc)),
            c.SigAlgOid, KmipSignatureAlgorithm(c.SigAlgOid),
            spki, KeyDescription.FromSpki(spki),
            ski, aki, c.GetBasicConstraints() >= 0,
            cn.Count > 0 ? cn[^1] : null, sans,
            Convert.ToHexStringLower(SHA256.HashData(spki)),
            Convert.ToHexStringLower(SHA256.HashData(der)),
            Convert.ToHexStringLower(SHA1.HashData(c.SubjectPublicKeyInfo.PublicKey.GetOctets())));
    }

    /// <summary>Validates <paramref name="leafDer"/> with every certificate of <paramref name="certificates"/> both a possible issuer and a trust anchor.</summary>
    public static ChainValidation Validate(ReadOnlySpan<byte> leafDer, IEnumerable<byte[]> certificates, DateTimeOffset at)
    {
        var all = certificates as IReadOnlyCollection<byte[]> ?? certificates.ToList();
        return Validate(leafDer, all, all, at);
    }

    /// <summary>
    /// Validates <paramref name="leafDer"/> at time <paramref name="at"/>, building the path from
    /// <paramref name="certificates"/> (possible issuers): every certificate on the path must be within its validity
    /// period, each issuer must be a CA (basic constraints) permitted to sign certificates (key usage, if present)
    /// within its path length, each signature must verify, and the path must end at a self-signed certificate of
    /// <paramref name="trusted"/>. <see cref="ValidityIndicator.Invalid"/>: a check failed (expired, not yet valid,
    /// an issuer whose name matches but whose signature does not verify, not a CA, undecodable).
    /// <see cref="ValidityIndicator.Unknown"/>: validity could not be established (no certificate with the issuer's
    /// name, or a root that is not trusted).
    /// </summary>
    public static ChainValidation Validate(ReadOnlySpan<byte> leafDer, IEnumerable<byte[]> certificates, IEnumerable<byte[]> trusted, DateTimeOffset at)
    {
        try
        {
            return ValidateCore(leafDer, certificates, trusted, at);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or InvalidCastException)
        {
            // A certificate that decoded but holds a malformed extension (BouncyCastle parses extensions lazily).
            return new(ValidityIndicator.Invalid, "A certificate extension could not be decoded.", []);
        }
    }

    private static ChainValidation ValidateCore(ReadOnlySpan<byte> leafDer, IEnumerable<byte[]> certificates, IEnumerable<byte[]> trusted, DateTimeOffset at)
    {
        BcCertificate current;
        try { current = Load(leafDer); }
        catch (CryptoFailure) { return new(ValidityIndicator.Invalid, "The certificate could not be decoded.", []); }
        var pool = new List<BcCertificate>();
        foreach (var der in certificates)
        {
            try { pool.Add(Load(der)); } catch (CryptoFailure) { }
        }
        var chain = new List<byte[]> { current.GetEncoded() };
        var when = at.UtcDateTime;
        for (int depth = 0; depth <= MaxChainDepth; depth++)
        {
            if (!current.IsValid(when))
                return new(ValidityIndicator.Invalid, $"Certificate at depth {depth} is outside its validity period.", chain);
            if (current.IssuerDN.Equivalent(current.SubjectDN, inOrder: true) && SignedBy(current, current))
            {
                var encoded = current.GetEncoded();
                foreach (var t in trusted)
                    if (t.AsSpan().SequenceEqual(encoded)) return new(ValidityIndicator.Valid, null, chain);
                return new(ValidityIndicator.Unknown, "The chain ends at a self-signed certificate that is not trusted.", chain);
            }
            BcCertificate? issuer = null;
            bool named = false;
            foreach (var candidate in pool)
            {
                if (!candidate.SubjectDN.Equivalent(current.IssuerDN, inOrder: true)) continue;
                named = true;
                if (!SignedBy(current, candidate)) continue;
                issuer = candidate;
                break;
            }
            if (issuer is null)
            {
                return named
                    ? new(ValidityIndicator.Invalid, $"The signature of the certificate at depth {depth} does not verify with its issuer's key.", chain)
                    : new(ValidityIndicator.Unknown, $"No issuer found for the certificate at depth {depth}.", chain);
            }
            int pathLen = issuer.GetBasicConstraints();
            if (pathLen < 0) return new(ValidityIndicator.Invalid, $"The issuer at depth {depth + 1} is not a CA.", chain);
            if (pathLen != int.MaxValue && depth > pathLen) return new(ValidityIndicator.Invalid, $"Path length constraint of the issuer at depth {depth + 1} exceeded.", chain);
            var ku = issuer.GetKeyUsage();
            if (ku is not null && !ku[5]) return new(ValidityIndicator.Invalid, $"The issuer at depth {depth + 1} may not sign certificates (key usage).", chain);
            chain.Add(issuer.GetEncoded());
            current = issuer;
        }
        return new(ValidityIndicator.Invalid, "Certificate chain too long.", chain);
    }

    internal static BcCertificate Load(ReadOnlySpan<byte> der)
    {
        if (der.Length > MaxLength) CryptoFailure.Throw(CryptoFailureReason.InvalidCertificate, "Certificate too large.");
        try { return new X509CertificateParser().ReadCertificate(der.ToArray()) ?? CryptoFailure.Throw<BcCertificate>(CryptoFailureReason.InvalidCertificate, "Certificate could not be decoded."); }
        catch (Exception e) when (e is not CryptoFailure) { return CryptoFailure.Throw<BcCertificate>(CryptoFailureReason.InvalidCertificate, "Certificate could not be decoded."); }
    }

    private static bool IsCa(BcCertificate cert)
    {
        try
        {
            var bc = cert.GetExtensionValue(X509Extensions.BasicConstraints);
            return bc is not null && BasicConstraints.GetInstance(X509ExtensionUtilities.FromExtensionValue(bc)).IsCA();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or InvalidCastException)
        {
            return CryptoFailure.Throw<bool>(CryptoFailureReason.InvalidCertificate, "The issuer certificate's basic constraints could not be decoded.");
        }
    }

    private static bool SignedBy(BcCertificate cert, BcCertificate issuer)
    {
        try { return cert.IsSignatureValid(issuer.GetPublicKey()); }
        catch (Exception) { return false; }
    }

    private static (string Name, HashingAlgorithm Hash) SignatureAlgorithm(KeyDescription d) => d.Kind switch
    {
        KeyKind.Rsa => ("SHA256WITHRSA", HashingAlgorithm.SHA_256),
        KeyKind.Ec => d.Bits switch
        {
            384 => ("SHA384WITHECDSA", HashingAlgorithm.SHA_384),
            521 => ("SHA512WITHECDSA", HashingAlgorithm.SHA_512),
            _ => ("SHA256WITHECDSA", HashingAlgorithm.SHA_256),
        },
        KeyKind.Ed25519 => ("Ed25519", 0),
        KeyKind.Ed448 => ("Ed448", 0),
        KeyKind.MlDsa => (KmsAlgorithms.Name(d.Algorithm), 0),
        _ => CryptoFailure.Throw<(string, HashingAlgorithm)>(CryptoFailureReason.IncompatibleKey, "This key type cannot sign certificates."),
    };

    private static DigitalSignatureAlgorithm? KmipSignatureAlgorithm(string oid) => oid switch
    {
        "1.2.840.113549.1.1.5" => DigitalSignatureAlgorithm.SHA_1WithRSAEncryption,
        "1.2.840.113549.1.1.14" => DigitalSignatureAlgorithm.SHA_224WithRSAEncryption,
        "1.2.840.113549.1.1.11" => DigitalSignatureAlgorithm.SHA_256WithRSAEncryption,
        "1.2.840.113549.1.1.12" => DigitalSignatureAlgorithm.SHA_384WithRSAEncryption,
        "1.2.840.113549.1.1.13" => DigitalSignatureAlgorithm.SHA_512WithRSAEncryption,
        "1.2.840.113549.1.1.10" => DigitalSignatureAlgorithm.RSASSA_PSS,
        "1.2.840.10045.4.1" => DigitalSignatureAlgorithm.ECDSAWithSHA_1,
        "1.2.840.10045.4.3.1" => DigitalSignatureAlgorithm.ECDSAWithSHA224,
        "1.2.840.10045.4.3.2" => DigitalSignatureAlgorithm.ECDSAWithSHA256,
        "1.2.840.10045.4.3.3" => DigitalSignatureAlgorithm.ECDSAWithSHA384,
        "1.2.840.10045.4.3.4" => DigitalSignatureAlgorithm.ECDSAWithSHA512,
        "2.16.840.1.101.3.4.3.14" => DigitalSignatureAlgorithm.SHA3_256WithRSAEncryption,
        "2.16.840.1.101.3.4.3.15" => DigitalSignatureAlgorithm.SHA3_384WithRSAEncryption,
        "2.16.840.1.101.3.4.3.16" => DigitalSignatureAlgorithm.SHA3_512WithRSAEncryption,
        _ => null, // EdDSA, ML-DSA: no KMIP 2.1 value; the OID is reported instead
    };

    private static X509Name Name(string dn)
    {
        if (string.IsNullOrWhiteSpace(dn)) CryptoFailure.Throw(CryptoFailureReason.BadParameters, "Certificate subject is empty.");
        try { return new X509Name(dn); }
        catch (Exception) { return CryptoFailure.Throw<X509Name>(CryptoFailureReason.BadParameters, "Certificate subject is not a valid distinguished name."); }
    }

    private static DerObjectIdentifier Oid(string oid)
    {
        try { return new DerObjectIdentifier(oid); }
        catch (Exception) { return CryptoFailure.Throw<DerObjectIdentifier>(CryptoFailureReason.BadParameters, "Extended key usage is not a valid OID."); }
    }

    private static BigInteger Serial(byte[]? requested)
    {
        if (requested is { Length: > 0 })
        {
            if (requested.Length > 20) CryptoFailure.Throw(CryptoFailureReason.BadParameters, "Serial number longer than 20 bytes (RFC 5280 §4.1.2.2).");
            var s = new BigInteger(1, requested);
            return s.SignValue > 0 ? s : CryptoFailure.Throw<BigInteger>(CryptoFailureReason.BadParameters, "Serial number must be positive.");
        }
        var b = RandomSource.Get(16);
        b[0] = (byte)((b[0] & 0x7F) | 0x01);
        return new BigInteger(1, b);
    }

    private static GeneralNames? AltNames(IReadOnlyList<string> dns, IReadOnlyList<string> ips, IReadOnlyList<string> emails, IReadOnlyList<string> uris)
    {
        var names = new List<GeneralName>();
        try
        {
            foreach (var d in dns) names.Add(new GeneralName(GeneralName.DnsName, d));
            foreach (var ip in ips) names.Add(new GeneralName(GeneralName.IPAddress, ip));
            foreach (var e in emails) names.Add(new GeneralName(GeneralName.Rfc822Name, e));
            foreach (var u in uris) names.Add(new GeneralName(GeneralName.UniformResourceIdentifier, u));
        }
        catch (ArgumentException) { return CryptoFailure.Throw<GeneralNames>(CryptoFailureReason.BadParameters, "A subject alternative name is not valid."); }
        return names.Count == 0 ? null : new GeneralNames(names.ToArray());
    }

    private static void Sort(GeneralName gn, List<string> dns, List<string> ips, List<string> emails, List<string> uris)
    {
        switch (gn.TagNo)
        {
            case GeneralName.DnsName: dns.Add(GeneralNameText(gn)); break;
            case GeneralName.IPAddress: ips.Add(GeneralNameText(gn)); break;
            case GeneralName.Rfc822Name: emails.Add(GeneralNameText(gn)); break;
            case GeneralName.UniformResourceIdentifier: uris.Add(GeneralNameText(gn)); break;
        }
    }

    private static string GeneralNameText(GeneralName gn) => gn.TagNo == GeneralName.IPAddress
        ? new System.Net.IPAddress(Asn1OctetString.GetInstance(gn.Name).GetOctets()).ToString()
        : gn.Name.ToString()!;
}

/// <summary>
/// The X.509 v3 extensions section of an OpenSSL configuration (<c>x509v3_config</c>), as Certify takes it in the
/// <c>x509_extensions</c> vendor attribute: lines <c>name = value</c>; section headers (<c>[v3_ca]</c>), comments
/// and blank lines are ignored. Understood: basicConstraints (CA:TRUE|FALSE, pathlen:N), keyUsage, extendedKeyUsage
/// (short names or OIDs) and subjectAltName (DNS:, IP:, email:, URI:). The SKI and AKI are always added. A
/// <c>critical</c> flag is accepted (basic constraints and key usage are always critical).
/// </summary>
public static class CertificateExtensions
{
    /// <summary>Largest extensions text accepted.</summary>
    public const int MaxLength = 16 * 1024;

    private static readonly Dictionary<string, X509KeyUsageFlags> s_keyUsages = new(StringComparer.OrdinalIgnoreCase)
    {
        ["digitalSignature"] = X509KeyUsageFlags.DigitalSignature,
        ["nonRepudiation"] = X509KeyUsageFlags.NonRepudiation,
        ["contentCommitment"] = X509KeyUsageFlags.NonRepudiation,
        ["keyEncipherment"] = X509KeyUsageFlags.KeyEncipherment,
        ["dataEncipherment"] = X509KeyUsageFlags.DataEncipherment,
        ["keyAgreement"] = X509KeyUsageFlags.KeyAgreement,
        ["keyCertSign"] = X509KeyUsageFlags.KeyCertSign,
        ["cRLSign"] = X509KeyUsageFlags.CrlSign,
        ["encipherOnly"] = X509KeyUsageFlags.EncipherOnly,
        ["decipherOnly"] = X509KeyUsageFlags.DecipherOnly,
    };

    private static readonly Dictionary<string, string> s_extendedUsages = new(StringComparer.OrdinalIgnoreCase)
    {
        ["serverAuth"] = "1.3.6.1.5.5.7.3.1",
        ["clientAuth"] = "1.3.6.1.5.5.7.3.2",
        ["codeSigning"] = "1.3.6.1.5.5.7.3.3",
        ["emailProtection"] = "1.3.6.1.5.5.7.3.4",
        ["timeStamping"] = "1.3.6.1.5.5.7.3.8",
        ["OCSPSigning"] = "1.3.6.1.5.5.7.3.9",
    };

    /// <summary>Applies <paramref name="text"/> to <paramref name="template"/>. An unknown extension or value is <see cref="CryptoFailureReason.BadParameters"/>.</summary>
    public static CertificateTemplate Apply(CertificateTemplate template, string text)
    {
        if (text.Length > MaxLength) CryptoFailure.Throw(CryptoFailureReason.BadParameters, "X.509 extensions text too long.");
        var t = template;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or '[') continue;
            int eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0) CryptoFailure.Throw(CryptoFailureReason.BadParameters, "An X.509 extension line has no '='.");
            var name = line[..eq].Trim();
            var values = new List<string>();
            foreach (var v in line[(eq + 1)..].Split(','))
            {
                var s = v.Trim();
                if (s.Length > 0 && !s.Equals("critical", StringComparison.OrdinalIgnoreCase)) values.Add(s);
            }
            switch (name)
            {
                case "basicConstraints":
                    foreach (var v in values)
                    {
                        if (v.Equals("CA:TRUE", StringComparison.OrdinalIgnoreCase)) t = t with { IsCa = true };
                        else if (v.Equals("CA:FALSE", StringComparison.OrdinalIgnoreCase)) t = t with { IsCa = false };
                        else if (v.StartsWith("pathlen:", StringComparison.OrdinalIgnoreCase) && int.TryParse(v.AsSpan(8), out int n) && n >= 0) t = t with { PathLength = n };
                        else Bad(name);
                    }
                    break;
                case "keyUsage":
                    var ku = X509KeyUsageFlags.None;
                    foreach (var v in values) ku |= s_keyUsages.TryGetValue(v, out var f) ? f : Bad<X509KeyUsageFlags>(name);
                    t = t with { KeyUsage = ku };
                    break;
                case "extendedKeyUsage":
                    var oids = new List<string>();
                    foreach (var v in values) oids.Add(s_extendedUsages.TryGetValue(v, out var oid) ? oid : v.Length > 0 && char.IsAsciiDigit(v[0]) ? v : Bad<string>(name));
                    t = t with { ExtendedKeyUsages = oids };
                    break;
                case "subjectAltName":
                    List<string> dns = [], ips = [], emails = [], uris = [];
                    foreach (var v in values)
                    {
                        int colon = v.IndexOf(':', StringComparison.Ordinal);
                        if (colon <= 0) Bad(name);
                        var value = v[(colon + 1)..];
                        switch (v[..colon].ToUpperInvariant())
                        {
                            case "DNS": dns.Add(value); break;
                            case "IP": ips.Add(value); break;
                            case "EMAIL": emails.Add(value); break;
                            case "URI": uris.Add(value); break;
                            default: Bad(name); break;
                        }
                    }
                    t = t with { DnsNames = dns, IpAddresses = ips, Emails = emails, Uris = uris };
                    break;
                case "subjectKeyIdentifier" or "authorityKeyIdentifier":
                    break; // always added
                default:
                    Bad(name);
                    break;
            }
        }
        return t;
    }

    private static void Bad(string name) => Bad<int>(name);

    private static T Bad<T>(string name) => CryptoFailure.Throw<T>(CryptoFailureReason.BadParameters, $"X.509 extension {(name.Length > 64 ? name[..64] : name)} is not supported or has a bad value.");
}
