using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Kms.Engine.Crypto;
using Kms.Ttlv;

namespace Kms.Engine.Tests.Crypto;

public sealed class CaFixture
{
    public KeyFixture Keys { get; } = new();
    public byte[] CaCert { get; }

    public CaFixture()
    {
        CaCert = Certificates.Issue(AlgorithmPolicy.Default, new CertificateTemplate
        {
            Subject = "CN=Kms Test Root,O=Kms",
            IsCa = true,
            KeyUsage = X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign,
            NotBefore = DateTimeOffset.UtcNow.AddDays(-1),
            NotAfter = DateTimeOffset.UtcNow.AddYears(5),
        }, Keys.Rsa.PublicKeySpki, Keys.Rsa.PrivateKeyPkcs8);
    }
}

public class CertificatesTests(CaFixture ca) : IClassFixture<CaFixture>
{
    private static readonly AlgorithmPolicy Policy = AlgorithmPolicy.Default;

    private static string Pem(byte[] der) => PemEncoding.WriteString("CERTIFICATE", der);

    private byte[] Leaf(GeneratedKeyPair pair, DateTimeOffset? notAfter = null) => Certificates.Issue(Policy, new CertificateTemplate
    {
        Subject = "CN=leaf.example,O=Kms",
        KeyUsage = X509KeyUsageFlags.DigitalSignature,
        ExtendedKeyUsages = ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"],
        DnsNames = ["leaf.example", "www.leaf.example"],
        IpAddresses = ["127.0.0.1"],
        NotBefore = DateTimeOffset.UtcNow.AddDays(-1),
        NotAfter = notAfter ?? DateTimeOffset.UtcNow.AddDays(30),
    }, pair.PublicKeySpki, ca.Keys.Rsa.PrivateKeyPkcs8, ca.CaCert);

    [Fact]
    public void Leaf_issued_by_our_ca_passes_openssl_verify()
    {
        var leaf = Leaf(ca.Keys.P256);
        using var o = new OpenSsl();
        File.WriteAllText(o.PathOf("ca.pem"), Pem(ca.CaCert));
        File.WriteAllText(o.PathOf("leaf.pem"), Pem(leaf));
        Assert.Contains("leaf.pem: OK", o.Ok("verify", "-CAfile", "ca.pem", "-purpose", "sslserver", "leaf.pem"));
        var text = o.Ok("x509", "-in", "leaf.pem", "-noout", "-text");
        Assert.Contains("DNS:leaf.example, DNS:www.leaf.example, IP Address:127.0.0.1", text);
        Assert.Contains("TLS Web Server Authentication, TLS Web Client Authentication", text);
        Assert.Contains("X509v3 Authority Key Identifier", text);
        Assert.Contains("X509v3 Subject Key Identifier", text);
    }

    [Fact]
    public void Intermediate_chain_with_ed25519_and_mldsa_keys_validates()
    {
        var interKeys = KeyGenerator.GenerateKeyPair(Policy, CryptographicAlgorithm.Ed25519);
        var inter = Certificates.Issue(Policy, new CertificateTemplate { Subject = "CN=Inter", IsCa = true, PathLength = 0, KeyUsage = X509KeyUsageFlags.KeyCertSign },
            interKeys.PublicKeySpki, ca.Keys.Rsa.PrivateKeyPkcs8, ca.CaCert);
        var leafKeys = KeyGenerator.GenerateKeyPair(Policy, KmsAlgorithms.MlDsa44);
        var leaf = Certificates.Issue(Policy, new CertificateTemplate { Subject = "CN=pq leaf" }, leafKeys.PublicKeySpki, interKeys.PrivateKeyPkcs8, inter);

        var ok = Certificates.Validate(leaf, [inter, ca.CaCert], DateTimeOffset.UtcNow);
        Assert.Equal(ValidityIndicator.Valid, ok.Indicator);
        Assert.Equal(3, ok.Chain.Count);

        // openssl 3.0 knows Ed25519 but not ML-DSA: check the Ed25519-signed intermediate only.
        using var o = new OpenSsl();
        File.WriteAllText(o.PathOf("ca.pem"), Pem(ca.CaCert));
        File.WriteAllText(o.PathOf("inter.pem"), Pem(inter));
        Assert.Contains("OK", o.Ok("verify", "-CAfile", "ca.pem", "inter.pem"));

        // An ML-DSA-signed certificate (CA key ML-DSA-65).
        var pqCa = KeyGenerator.GenerateKeyPair(Policy, KmsAlgorithms.MlDsa65);
        var pqRoot = Certificates.Issue(Policy, new CertificateTemplate { Subject = "CN=PQ Root", IsCa = true }, pqCa.PublicKeySpki, pqCa.PrivateKeyPkcs8);
        var pqLeaf = Certificates.Issue(Policy, new CertificateTemplate { Subject = "CN=PQ Leaf" }, ca.Keys.P256.PublicKeySpki, pqCa.PrivateKeyPkcs8, pqRoot);
        Assert.Equal(ValidityIndicator.Valid, Certificates.Validate(pqLeaf, [pqRoot], DateTimeOffset.UtcNow).Indicator);
        Assert.Equal("2.16.840.1.101.3.4.3.18", Certificates.Parse(pqLeaf).SignatureAlgorithmOid);
    }

    [Fact]
    public void Validation_failures_are_reported()
    {
        var leaf = Leaf(ca.Keys.P256, DateTimeOffset.UtcNow.AddDays(2));
        Assert.Equal(ValidityIndicator.Valid, Certificates.Validate(leaf, [ca.CaCert], DateTimeOffset.UtcNow).Indicator);

        var expired = Certificates.Validate(leaf, [ca.CaCert], DateTimeOffset.UtcNow.AddDays(3));
        Assert.Equal(ValidityIndicator.Invalid, expired.Indicator);
        Assert.Contains("validity period", expired.Reason);

        var untrusted = Certificates.Validate(leaf, [], DateTimeOffset.UtcNow);
        Assert.Equal(ValidityIndicator.Unknown, untrusted.Indicator);
        Assert.Contains("No issuer", untrusted.Reason);

        // Issued by a non-CA: build a self-signed non-CA "issuer" with the same name and sign with it.
        var notCa = Certificates.Issue(Policy, new CertificateTemplate { Subject = "CN=Not A CA" }, ca.Keys.Ed25519.PublicKeySpki, ca.Keys.Ed25519.PrivateKeyPkcs8);
        var e = Assert.Throws<CryptoFailure>(() => Certificates.Issue(Policy, new CertificateTemplate { Subject = "CN=x" }, ca.Keys.P256.PublicKeySpki, ca.Keys.Ed25519.PrivateKeyPkcs8, notCa));
        Assert.Equal(CryptoFailureReason.IncompatibleKey, e.Reason);

        // A self-signed certificate is valid only if it is itself in the trusted set.
        Assert.Equal(ValidityIndicator.Unknown, Certificates.Validate(notCa, [ca.CaCert], DateTimeOffset.UtcNow).Indicator);
        Assert.Equal(ValidityIndicator.Valid, Certificates.Validate(notCa, [notCa], DateTimeOffset.UtcNow).Indicator);

        // Issuer key does not match issuer certificate.
        Assert.Equal(CryptoFailureReason.IncompatibleKey, Assert.Throws<CryptoFailure>(() =>
            Certificates.Issue(Policy, new CertificateTemplate { Subject = "CN=y" }, ca.Keys.P256.PublicKeySpki, ca.Keys.P256.PrivateKeyPkcs8, ca.CaCert)).Reason);
    }

    [Fact]
    public void Parse_fills_kmip_certificate_attributes()
    {
        var leaf = Leaf(ca.Keys.P256);
        var info = Certificates.Parse(leaf);
        var bcl = X509CertificateLoader.LoadCertificate(leaf);
        Assert.Equal("CN=leaf.example,O=Kms", info.Subject);
        Assert.Equal("CN=Kms Test Root,O=Kms", info.Issuer);
        Assert.Equal(bcl.SubjectName.RawData, info.SubjectDer);
        Assert.Equal(bcl.IssuerName.RawData, info.IssuerDer);
        Assert.Equal(bcl.SerialNumberBytes.ToArray().SkipWhile(b => b == 0), info.SerialNumber);
        Assert.Equal(DigitalSignatureAlgorithm.SHA_256WithRSAEncryption, info.DigitalSignatureAlgorithm);
        Assert.Equal(ca.Keys.P256.PublicKeySpki, info.PublicKeySpki);
        Assert.Equal(RecommendedCurve.P_256, info.PublicKey.Curve);
        Assert.Equal("leaf.example", info.CommonName);
        Assert.False(info.IsCa);
        Assert.Equal(["leaf.example", "www.leaf.example", "127.0.0.1"], info.SubjectAlternativeNames);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(ca.Keys.P256.PublicKeySpki)), info.SpkiSha256Hex);
        Assert.Equal(Convert.ToHexStringLower(info.SubjectKeyIdentifier!), info.KeyIdentifierHex);
        var caInfo = Certificates.Parse(ca.CaCert);
        Assert.True(caInfo.IsCa);
        Assert.Equal(caInfo.SubjectKeyIdentifier, info.AuthorityKeyIdentifier);
        Assert.Equal(bcl.GetCertHashString(HashAlgorithmName.SHA256).ToLowerInvariant(), info.CertificateSha256Hex);
    }

    [Fact]
    public void Certify_from_an_openssl_pkcs10_request()
    {
        using var o = new OpenSsl();
        o.Ok("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384", "-out", "k.pem");
        o.Ok("req", "-new", "-key", "k.pem", "-subj", "/CN=csr.example/O=Req", "-addext", "subjectAltName=DNS:csr.example,DNS:alt.example", "-outform", "DER", "-out", "r.der");
        var csr = o.Read("r.der");
        var req = Certificates.ParseRequest(csr);
        Assert.Equal(["csr.example", "alt.example"], req.DnsNames);
        var cert = Certificates.IssueFromRequest(Policy, csr, new CertificateTemplate { KeyUsage = X509KeyUsageFlags.DigitalSignature }, ca.Keys.Rsa.PrivateKeyPkcs8, ca.CaCert);
        File.WriteAllText(o.PathOf("ca.pem"), Pem(ca.CaCert));
        File.WriteAllText(o.PathOf("c.pem"), Pem(cert));
        Assert.Contains("c.pem: OK", o.Ok("verify", "-CAfile", "ca.pem", "c.pem"));
        var info = Certificates.Parse(cert);
        Assert.Equal("CN=csr.example,O=Req", info.Subject);
        Assert.Equal(384, info.PublicKey.Bits);
        Assert.Equal(["csr.example", "alt.example"], info.SubjectAlternativeNames);

        var tampered = (byte[])csr.Clone();
        tampered[^5] ^= 1; // inside the signature
        var e = Assert.Throws<CryptoFailure>(() => Certificates.ParseRequest(tampered));
        Assert.Equal(ResultReason.InvalidCSR, e.ToResultReason());
        Assert.Equal(CryptoFailureReason.InvalidCsr, Assert.Throws<CryptoFailure>(() => Certificates.ParseRequest(new byte[] { 0x30, 0x01 })).Reason);
    }

    [Fact]
    public void Malformed_certificate_is_InvalidCertificate()
    {
        Assert.Equal(CryptoFailureReason.InvalidCertificate, Assert.Throws<CryptoFailure>(() => Certificates.Parse(new byte[] { 0x30, 0x03, 1, 2, 3 })).Reason);
        Assert.Equal(ValidityIndicator.Invalid, Certificates.Validate(new byte[] { 1 }, [], DateTimeOffset.UtcNow).Indicator);
    }
}
