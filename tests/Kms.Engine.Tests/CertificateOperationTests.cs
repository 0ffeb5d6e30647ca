using System.Security.Cryptography;
using Kms.Engine.Tests.Crypto;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Tests;

/// <summary>Certify, Validate, certificate Register, system tags, Export/Import and PKCS#12 through <see cref="KmsEngine.Process"/>, cross-checked with openssl.</summary>
public sealed class CertificateOperationTests : IDisposable
{
    private readonly TestEngine _t = new();
    private readonly OpenSsl _o = new();

    public void Dispose()
    {
        _t.Dispose();
        _o.Dispose();
    }

    private static string Uid(TtlvElement payload) => payload.Find(Tag.UniqueIdentifier)!.Text;

    private static TtlvElement Vendor(string name, string value) => TtlvElement.Structure(Tag.Attribute,
        TtlvElement.TextString(Tag.VendorIdentification, "cosmian"), TtlvElement.TextString(Tag.AttributeName, name), TtlvElement.TextString(Tag.AttributeValue, value));

    private static TtlvElement Link(LinkType type, string id) => TtlvElement.Structure(Tag.Link,
        TtlvElement.Enumeration(Tag.LinkType, (uint)type), TtlvElement.TextString(Tag.LinkedObjectIdentifier, id));

    private static TtlvElement Cn(string cn) => TtlvElement.TextString(Tag.CertificateSubjectCN, cn);

    private const string CaExtensions = "[v3_ca]\nbasicConstraints = critical, CA:TRUE\nkeyUsage = critical, keyCertSign, cRLSign, digitalSignature\n";

    /// <summary>An EC P-256 key pair (private: Sign, public: Verify), activated; returns (private, public).</summary>
    private (string Private, string Public) Pair(CryptographicUsageMask privateMask = CryptographicUsageMask.Sign, string user = "alice")
    {
        var p = _t.Ok(Operation.CreateKeyPair, CryptoOperationTests.KeyPair2(CryptographicAlgorithm.EC, 0, RecommendedCurve.P_256, privateMask), user: user);
        var ids = (p.Find(Tag.PrivateKeyUniqueIdentifier)!.Text, p.Find(Tag.PublicKeyUniqueIdentifier)!.Text);
        _t.Ok(Operation.Activate, Req.Payload(Req.Id(ids.Item1)), user: user);
        _t.Ok(Operation.Activate, Req.Payload(Req.Id(ids.Item2)), user: user);
        return ids;
    }

    private TtlvElement Certify(string? publicKeyId, params TtlvElement[] attributes)
    {
        var payload = Req.Payload();
        if (publicKeyId is not null) payload.Children.Add(Req.Id(publicKeyId));
        payload.Children.Add(Req.Attrs(attributes));
        return payload;
    }

    /// <summary>A self-signed CA "Kms Test CA" on a new key pair; returns (certificate id, private key id).</summary>
    private (string Cert, string Key) Ca(string cn = "Kms Test CA")
    {
        var (priv, pub) = Pair();
        var cert = Uid(_t.Ok(Operation.Certify, Certify(pub, Cn(cn), Vendor("x509_extensions", CaExtensions), Vendor("requested_validity_days", "3650"))));
        return (cert, priv);
    }

    private byte[] CertDer(string id) => _t.Ok(Operation.Get, Req.Payload(Req.Id(id))).FindPath(Tag.Certificate, Tag.CertificateValue)!.Bytes;

    private string Pem(string name, string id)
    {
        File.WriteAllText(_o.PathOf(name), PemEncoding.WriteString("CERTIFICATE", CertDer(id)));
        return name;
    }

    private TtlvElement Attributes(string id) => _t.Ok(Operation.GetAttributes, Req.Payload(Req.Id(id))).Find(Tag.Attributes)!;

    private List<string> Located(params string[] tags)
        => _t.Ok(Operation.Locate, Req.Payload(Req.Attrs(Req.Tags(tags)))).FindAll(Tag.UniqueIdentifier).Select(e => e.Text).ToList();

    private static string? LinkOf(TtlvElement attributes, LinkType type)
        => attributes.FindAll(Tag.Link).FirstOrDefault(l => l.Find(Tag.LinkType)!.UInt32 == (uint)type)?.Find(Tag.LinkedObjectIdentifier)!.Text;

    [Fact]
    public void Certified_leaf_passes_openssl_verify_against_its_certified_ca_with_links_attributes_and_tags()
    {
        var (ca, caKey) = Ca();
        var (leafPriv, leafPub) = Pair();
        var leaf = Uid(_t.Ok(Operation.Certify, Certify(leafPub, Cn("leaf.example.com"), TtlvElement.TextString(Tag.CertificateSubjectO, "Example, Inc"),
            Link(LinkType.CertificateLink, ca),
            Vendor("x509_extensions", "keyUsage = digitalSignature\nextendedKeyUsage = serverAuth, clientAuth\nsubjectAltName = DNS:leaf.example.com, IP:127.0.0.1"),
            Req.Name("leaf-cert"))));

        Pem("ca.pem", ca);
        Pem("leaf.pem", leaf);
        Assert.Contains("leaf.pem: OK", _o.Ok("verify", "-CAfile", "ca.pem", "leaf.pem"));
        var text = _o.Ok("x509", "-in", "leaf.pem", "-noout", "-text");
        Assert.Contains("DNS:leaf.example.com, IP Address:127.0.0.1", text);
        Assert.Contains("TLS Web Server Authentication, TLS Web Client Authentication", text);
        Assert.Contains("CA:FALSE", text);
        Assert.Contains("Subject Key Identifier", text);
        Assert.Contains("Authority Key Identifier", text);
        Assert.Contains("O = \"Example, Inc\", CN = leaf.example.com", _o.Ok("x509", "-in", "leaf.pem", "-noout", "-subject"));
        Assert.Contains("CA:TRUE", _o.Ok("x509", "-in", "ca.pem", "-noout", "-text"));

        // Links: certificate -> public key, private key and issuer; keys -> certificate.
        var certAttrs = Attributes(leaf);
        Assert.Equal(leafPub, LinkOf(certAttrs, LinkType.PublicKeyLink));
        Assert.Equal(leafPriv, LinkOf(certAttrs, LinkType.PrivateKeyLink));
        Assert.Equal(ca, LinkOf(certAttrs, LinkType.CertificateLink));
        Assert.Equal(leaf, LinkOf(Attributes(leafPub), LinkType.CertificateLink));
        Assert.Equal(leaf, LinkOf(Attributes(leafPriv), LinkType.CertificateLink));
        Assert.Equal(caKey, LinkOf(Attributes(ca), LinkType.PrivateKeyLink));

        // Certificate attributes (1.4+ and 1.1+ forms).
        Assert.Equal("leaf.example.com", certAttrs.Find(Tag.CertificateSubjectCN)!.Text);
        Assert.Equal("Kms Test CA", certAttrs.Find(Tag.CertificateIssuerCN)!.Text);
        Assert.Equal((uint)DigitalSignatureAlgorithm.ECDSAWithSHA256, certAttrs.Find(Tag.DigitalSignatureAlgorithm)!.UInt32);
        Assert.Equal((uint)CertificateType.X_509, certAttrs.Find(Tag.CertificateType)!.UInt32);
        Assert.Equal("leaf-cert", certAttrs.FindPath(Tag.Name, Tag.NameValue)!.Text);
        var der = CertDer(leaf);
        Assert.Equal(SHA256.HashData(der), certAttrs.FindPath(Tag.Digest, Tag.DigestValue)!.Bytes);
        using var x = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(der);
        Assert.Equal(x.IssuerName.RawData, certAttrs.FindPath(Tag.X_509CertificateIssuer, Tag.IssuerDistinguishedName)!.Bytes);
        Assert.Equal(Convert.FromHexString(x.SerialNumber), certAttrs.FindPath(Tag.X_509CertificateIdentifier, Tag.CertificateSerialNumber)!.Bytes);

        // System tags, located.
        Assert.Equal(2, Located("_cert_uid=" + leaf).Count);
        Assert.Contains(leafPriv, Located("_cert_uid=" + leaf));
        Assert.Contains(leafPub, Located("_cert_uid=" + leaf));
        Assert.Equal([ca], Located("_cert_ca=Kms Test CA"));
        var ski = _o.Ok("x509", "-in", "leaf.pem", "-noout", "-ext", "subjectKeyIdentifier").Split('\n')[1].Trim().Replace(":", "").ToLowerInvariant();
        Assert.Equal([leaf], Located("_cert_spki=" + ski));
        Assert.Equal(2, Located("_cert").Count);
        Assert.Empty(Located("_cert_ca=leaf.example.com"));
    }

    [Fact]
    public void Certify_from_an_openssl_pkcs10_request_in_der_and_pem()
    {
        var (ca, _) = Ca();
        _o.Ok("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384", "-nodes", "-keyout", "k.pem", "-subj", "/CN=csr-host/O=Csr Org",
            "-addext", "subjectAltName=DNS:csr.example", "-out", "r.pem");
        _o.Ok("req", "-in", "r.pem", "-outform", "DER", "-out", "r.der");
        foreach (var (type, bytes) in new[] { (CertificateRequestType.PKCS_10, _o.Read("r.der")), (CertificateRequestType.PEM, _o.Read("r.pem")) })
        {
            var cert = Uid(_t.Ok(Operation.Certify, Req.Payload(
                TtlvElement.Enumeration(Tag.CertificateRequestType, (uint)type),
                TtlvElement.ByteString(Tag.CertificateRequestValue, bytes),
                Req.Attrs(Link(LinkType.CertificateLink, ca)))));
            Pem("ca.pem", ca);
            Pem("csr.pem", cert);
            Assert.Contains("csr.pem: OK", _o.Ok("verify", "-CAfile", "ca.pem", "csr.pem"));
            Assert.Contains("DNS:csr.example", _o.Ok("x509", "-in", "csr.pem", "-noout", "-text"));
            // The certificate holds the request's key.
            _o.Ok("x509", "-in", "csr.pem", "-noout", "-pubkey", "-out", "cpub.pem");
            _o.Ok("pkey", "-in", "k.pem", "-pubout", "-out", "kpub.pem");
            Assert.Equal(File.ReadAllText(_o.PathOf("kpub.pem")), File.ReadAllText(_o.PathOf("cpub.pem")));
            var attrs = Attributes(cert);
            Assert.Equal("csr-host", attrs.Find(Tag.CertificateSubjectCN)!.Text);
            Assert.Equal("Csr Org", attrs.Find(Tag.CertificateSubjectO)!.Text);
            Assert.Null(LinkOf(attrs, LinkType.PublicKeyLink));
        }
    }

    [Fact]
    public void Certify_in_kmip_1_4_with_a_template_attribute_and_certificate_request()
    {
        var (ca, _) = Ca();
        _o.Ok("req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "k.pem", "-subj", "/CN=v14", "-outform", "DER", "-out", "r.der");
        var p = _t.Ok(Operation.Certify, Req.Payload(
            TtlvElement.Enumeration(Tag.CertificateRequestType, (uint)CertificateRequestType.PKCS_10),
            TtlvElement.ByteString(Tag.CertificateRequest, _o.Read("r.der")),
            Req.Template(Req.Attr1("Link", Link(LinkType.CertificateLink, ca)))), Req.V1);
        Pem("ca.pem", ca);
        Pem("v14.pem", Uid(p));
        Assert.Contains("v14.pem: OK", _o.Ok("verify", "-CAfile", "ca.pem", "v14.pem"));
    }

    [Fact]
    public void Certify_errors_have_their_result_reasons()
    {
        var (ca, caKey) = Ca();
        var (_, pub) = Pair();
        // A tampered request: its signature no longer verifies.
        _o.Ok("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "k.pem", "-subj", "/CN=tamper", "-outform", "DER", "-out", "r.der");
        var csr = _o.Read("r.der");
        int at = csr.AsSpan().IndexOf("tamper"u8);
        csr[at] = (byte)'T';
        _t.Fails(ResultReason.InvalidCSR, Operation.Certify, Req.Payload(
            TtlvElement.Enumeration(Tag.CertificateRequestType, (uint)CertificateRequestType.PKCS_10),
            TtlvElement.ByteString(Tag.CertificateRequestValue, csr), Req.Attrs(Link(LinkType.CertificateLink, ca))));
        // The issuer private key may not sign.
        var (noSignPriv, noSignPub) = Pair(CryptographicUsageMask.Decrypt);
        _t.Fails(ResultReason.IncompatibleCryptographicUsageMask, Operation.Certify, Certify(noSignPub, Cn("x")));
        // A symmetric key cannot be certified.
        var aes = Uid(_t.Ok(Operation.Create, Req.CreateAes()));
        _t.Fails(ResultReason.InvalidObjectType, Operation.Certify, Certify(aes, Cn("x"), Link(LinkType.CertificateLink, ca)));
        // An unknown extension.
        _t.Fails(ResultReason.BadCryptographicParameters, Operation.Certify, Certify(pub, Cn("x"), Link(LinkType.CertificateLink, ca), Vendor("x509_extensions", "nameConstraints = permitted;DNS:x")));
        // A non-CA issuer certificate.
        var notCa = Uid(_t.Ok(Operation.Certify, Certify(pub, Cn("not a ca"))));
        _t.Fails(ResultReason.InvalidField, Operation.Certify, Certify(pub, Cn("x"), Link(LinkType.CertificateLink, notCa)));
        // No issuer and no private key to self-sign a request with.
        _o.Ok("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "k2.pem", "-subj", "/CN=alone", "-outform", "DER", "-out", "r2.der");
        _t.Fails(ResultReason.MissingData, Operation.Certify, Req.Payload(
            TtlvElement.Enumeration(Tag.CertificateRequestType, (uint)CertificateRequestType.PKCS_10),
            TtlvElement.ByteString(Tag.CertificateRequestValue, _o.Read("r2.der"))));
        // Another user without grants sees neither the key nor the CA.
        _t.Fails(ResultReason.ObjectNotFound, Operation.Certify, Certify(pub, Cn("x")), user: "bob");
        var (_, bobPub) = Pair(user: "bob");
        _t.Fails(ResultReason.ObjectNotFound, Operation.Certify, Certify(bobPub, Cn("x"), Link(LinkType.CertificateLink, ca)), user: "bob");
        // A deactivated CA key no longer issues.
        _t.Ok(Operation.Revoke, Req.Payload(Req.Id(caKey), Req.RevokeReason(RevocationReasonCode.CessationOfOperation)));
        _t.Fails(ResultReason.WrongKeyLifecycleState, Operation.Certify, Certify(pub, Cn("x"), Link(LinkType.CertificateLink, ca)));
        Assert.NotNull(noSignPriv);
    }

    private ValidityIndicator Validate(IEnumerable<byte[]> values, IEnumerable<string> ids, DateTimeOffset? at = null, string user = "alice")
    {
        var payload = Req.Payload();
        foreach (var v in values)
            payload.Children.Add(TtlvElement.Structure(Tag.Certificate, TtlvElement.Enumeration(Tag.CertificateType, (uint)CertificateType.X_509), TtlvElement.ByteString(Tag.CertificateValue, v)));
        foreach (var id in ids) payload.Children.Add(Req.Id(id));
        if (at is { } d) payload.Children.Add(TtlvElement.DateTime(Tag.ValidityDate, d.ToUnixTimeSeconds()));
        return (ValidityIndicator)_t.Ok(Operation.Validate, payload, user: user).Find(Tag.ValidityIndicator)!.UInt32;
    }

    [Fact]
    public void Validate_is_valid_invalid_or_unknown()
    {
        var (ca, _) = Ca();
        var inter = Uid(_t.Ok(Operation.Certify, Certify(Pair().Public, Cn("Intermediate"), Link(LinkType.CertificateLink, ca),
            Vendor("x509_extensions", "basicConstraints = CA:TRUE, pathlen:0\nkeyUsage = keyCertSign"))));
        var (_, leafPub) = Pair();
        var leaf = Uid(_t.Ok(Operation.Certify, Certify(leafPub, Cn("leaf"), Link(LinkType.CertificateLink, inter), Vendor("requested_validity_days", "30"))));
        var leafDer = CertDer(leaf);

        // By identifier, by value, or mixed: the stored intermediate and root are found by name.
        Assert.Equal(ValidityIndicator.Valid, Validate([], [leaf]));
        Assert.Equal(ValidityIndicator.Valid, Validate([leafDer], []));
        Assert.Equal(ValidityIndicator.Valid, Validate([leafDer], [inter, ca]));
        // openssl agrees.
        Pem("ca.pem", ca);
        Pem("inter.pem", inter);
        Pem("leaf.pem", leaf);
        Assert.Contains("leaf.pem: OK", _o.Ok("verify", "-CAfile", "ca.pem", "-untrusted", "inter.pem", "leaf.pem"));

        // Expired at the Validity Date, or not yet valid.
        Assert.Equal(ValidityIndicator.Invalid, Validate([], [leaf], DateTimeOffset.UtcNow.AddDays(40)));
        Assert.Equal(ValidityIndicator.Invalid, Validate([], [leaf], DateTimeOffset.UtcNow.AddDays(-2)));

        // Wrong issuer: an openssl CA with the same name as our intermediate signs a certificate.
        _o.Ok("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "fake.key", "-subj", "/CN=Intermediate",
            "-addext", "basicConstraints=critical,CA:TRUE", "-out", "fake.pem");
        _o.Ok("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "x.key", "-subj", "/CN=forged", "-out", "x.csr");
        _o.Ok("x509", "-req", "-in", "x.csr", "-CA", "fake.pem", "-CAkey", "fake.key", "-CAcreateserial", "-days", "5", "-outform", "DER", "-out", "forged.der");
        Assert.Equal(ValidityIndicator.Invalid, Validate([_o.Read("forged.der")], []));

        // Unknown: an openssl root that is not stored, and a certificate whose issuer is nowhere.
        _o.Ok("x509", "-in", "fake.pem", "-outform", "DER", "-out", "fake.der");
        Assert.Equal(ValidityIndicator.Unknown, Validate([_o.Read("fake.der")], []));
        _o.Ok("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "o.key", "-subj", "/CN=Other Root", "-out", "o.pem");
        _o.Ok("x509", "-req", "-in", "x.csr", "-CA", "o.pem", "-CAkey", "o.key", "-CAcreateserial", "-days", "5", "-outform", "DER", "-out", "orphan.der");
        Assert.Equal(ValidityIndicator.Unknown, Validate([_o.Read("orphan.der")], []));
        // Another user cannot use alice's stored CA: the chain is unknown to them.
        Assert.Equal(ValidityIndicator.Unknown, Validate([leafDer], [], user: "bob"));

        // Errors.
        var aes = Uid(_t.Ok(Operation.Create, Req.CreateAes()));
        _t.Fails(ResultReason.InvalidObjectType, Operation.Validate, Req.Payload(Req.Id(aes)));
        _t.Fails(ResultReason.MissingData, Operation.Validate, Req.Payload());
        _t.Fails(ResultReason.ObjectNotFound, Operation.Validate, Req.Payload(Req.Id(leaf)), user: "bob");
        Assert.Equal(ValidityIndicator.Invalid, Validate([[1, 2, 3]], []));

        // A compromised certificate is invalid.
        _t.Ok(Operation.Revoke, Req.Payload(Req.Id(inter), Req.RevokeReason(RevocationReasonCode.KeyCompromise),
            TtlvElement.DateTime(Tag.CompromiseOccurrenceDate, DateTimeOffset.UtcNow.AddDays(-1).ToUnixTimeSeconds())));
        Assert.Equal(ValidityIndicator.Invalid, Validate([leafDer], [inter]));
        // Stored compromised issuers are not used: the path cannot be built.
        Assert.Equal(ValidityIndicator.Unknown, Validate([leafDer], []));
    }
}
