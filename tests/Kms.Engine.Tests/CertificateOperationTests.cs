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
        Assert.Equal(x.Extensions["2.5.29.17"]!.RawData, certAttrs.FindPath(Tag.X_509CertificateSubject, Tag.SubjectAlternativeName)!.Bytes);
        Assert.Null(certAttrs.Find(Tag.CertificateSubject)); // 1.0 form: not a 2.x attribute
        var v10 = _t.Ok(Operation.GetAttributes, Req.Payload(Req.Id(leaf), TtlvElement.TextString(Tag.AttributeName, "Certificate Subject")), Req.V1)
            .FindPath(Tag.Attribute, Tag.AttributeValue)!;
        Assert.Contains("CN=leaf.example.com", v10.Find(Tag.CertificateSubjectDistinguishedName)!.Text);
        Assert.Equal(["leaf.example.com", "127.0.0.1"], v10.FindAll(Tag.CertificateSubjectAlternativeName).Select(e => e.Text).ToArray());

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
            Req.Template(Req.Attr1("Link", Link(LinkType.CertificateLink, ca)),
                Req.Attr1("x-cosmian-x509_extensions", TtlvElement.TextString(Tag.AttributeValue, "subjectAltName = DNS:v14.example")))), Req.V1);
        Pem("ca.pem", ca);
        Pem("v14.pem", Uid(p));
        Assert.Contains("v14.pem: OK", _o.Ok("verify", "-CAfile", "ca.pem", "v14.pem"));
        Assert.Contains("DNS:v14.example", _o.Ok("x509", "-in", "v14.pem", "-noout", "-text"));

        // Export in 1.4: Template-Attribute with the 1.x attribute names, then the certificate.
        var exported = _t.Ok(Operation.Export, Req.Payload(Req.Id(Uid(p))), Req.V1);
        var cn = exported.Find(Tag.TemplateAttribute)!.FindAll(Tag.Attribute).Single(a => a.Find(Tag.AttributeName)!.Text == "Certificate Subject CN");
        Assert.Equal("v14", cn.Find(Tag.AttributeValue)!.Text);
        Assert.Equal(CertDer(Uid(p)), exported.FindPath(Tag.Certificate, Tag.CertificateValue)!.Bytes);
        Assert.Equal(ValidityIndicator.Valid, (ValidityIndicator)_t.Ok(Operation.Validate, Req.Payload(Req.Id(Uid(p))), Req.V1).Find(Tag.ValidityIndicator)!.UInt32);
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

    private static TtlvElement PasswordSpec(string password) => TtlvElement.Structure(Tag.KeyWrappingSpecification,
        TtlvElement.Enumeration(Tag.WrappingMethod, (uint)WrappingMethod.Encrypt),
        TtlvElement.Structure(Tag.EncryptionKeyInformation, Req.Id(password)));

    private static TtlvElement Pkcs12Payload(byte[] p12, params TtlvElement[] attributes) => Req.Payload(
        TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.PrivateKey), Req.Attrs(attributes),
        TtlvElement.Structure(Tag.PrivateKey, TtlvElement.Structure(Tag.KeyBlock,
            TtlvElement.Enumeration(Tag.KeyFormatType, (uint)KeyFormatType.PKCS_12),
            TtlvElement.Structure(Tag.KeyValue, TtlvElement.ByteString(Tag.KeyMaterial, p12)))));

    private byte[] PublicSpki(string publicKeyId)
        => _t.Ok(Operation.Get, Req.Payload(Req.Id(publicKeyId), TtlvElement.Enumeration(Tag.KeyFormatType, (uint)KeyFormatType.X_509)))
            .FindPath(Tag.PublicKey, Tag.KeyBlock, Tag.KeyValue, Tag.KeyMaterial)!.Bytes;

    [Fact]
    public void Pkcs12_get_and_export_open_with_openssl_pkcs12_with_the_chain()
    {
        var (ca, _) = Ca();
        var (leafPriv, leafPub) = Pair();
        var leaf = Uid(_t.Ok(Operation.Certify, Certify(leafPub, Cn("p12 leaf"), Link(LinkType.CertificateLink, ca))));
        // Cosmian's convention: the password travels as the wrapping key identifier.
        var got = _t.Ok(Operation.Get, Req.Payload(Req.Id(leafPriv), TtlvElement.Enumeration(Tag.KeyFormatType, (uint)KeyFormatType.PKCS_12), PasswordSpec("s3cret pw")));
        Assert.Equal((uint)KeyFormatType.PKCS_12, got.FindPath(Tag.PrivateKey, Tag.KeyBlock, Tag.KeyFormatType)!.UInt32);
        Assert.Null(got.FindPath(Tag.PrivateKey, Tag.KeyBlock, Tag.KeyWrappingData));
        _o.File("x.p12", got.FindPath(Tag.PrivateKey, Tag.KeyBlock, Tag.KeyValue, Tag.KeyMaterial)!.Bytes);
        _o.Ok("pkcs12", "-in", "x.p12", "-passin", "pass:s3cret pw", "-nodes", "-out", "all.pem");
        var pem = File.ReadAllText(_o.PathOf("all.pem"));
        Assert.Contains("-----BEGIN PRIVATE KEY-----", pem);
        Assert.Contains(PemEncoding.WriteString("CERTIFICATE", CertDer(leaf)), pem);
        Assert.Contains(PemEncoding.WriteString("CERTIFICATE", CertDer(ca)), pem);
        _o.Ok("pkey", "-in", "all.pem", "-pubout", "-outform", "DER", "-out", "pub.der");
        Assert.Equal(PublicSpki(leafPub), _o.Read("pub.der"));
        Assert.NotEqual(0, _o.Run("pkcs12", "-in", "x.p12", "-passin", "pass:wrong", "-nodes").Code);

        // Export: the same, plus the attributes; the password may also be a Password Secret Data.
        var secret = Uid(_t.Ok(Operation.Register, Req.Payload(TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.SecretData), Req.Attrs(),
            TtlvElement.Structure(Tag.SecretData, TtlvElement.Enumeration(Tag.SecretDataType, (uint)SecretDataType.Password),
                TtlvElement.Structure(Tag.KeyBlock, TtlvElement.Enumeration(Tag.KeyFormatType, (uint)KeyFormatType.Opaque),
                    TtlvElement.Structure(Tag.KeyValue, TtlvElement.ByteString(Tag.KeyMaterial, "from secret"u8.ToArray())))))));
        var exported = _t.Ok(Operation.Export, Req.Payload(Req.Id(leafPriv), TtlvElement.Enumeration(Tag.KeyFormatType, (uint)KeyFormatType.PKCS_12), PasswordSpec(secret)));
        Assert.Equal(leaf, LinkOf(exported.Find(Tag.Attributes)!, LinkType.CertificateLink));
        _o.File("e.p12", exported.FindPath(Tag.PrivateKey, Tag.KeyBlock, Tag.KeyValue, Tag.KeyMaterial)!.Bytes);
        Assert.Contains("BEGIN PRIVATE KEY", _o.Ok("pkcs12", "-in", "e.p12", "-passin", "pass:from secret", "-nodes"));

        // Errors: no password, not a private key, no certificate.
        _t.Fails(ResultReason.MissingData, Operation.Get, Req.Payload(Req.Id(leafPriv), TtlvElement.Enumeration(Tag.KeyFormatType, (uint)KeyFormatType.PKCS_12)));
        _t.Fails(ResultReason.KeyFormatTypeNotSupported, Operation.Get, Req.Payload(Req.Id(leafPub), TtlvElement.Enumeration(Tag.KeyFormatType, (uint)KeyFormatType.PKCS_12), PasswordSpec("pw")));
        var (lonely, _) = Pair();
        _t.Fails(ResultReason.ObjectNotFound, Operation.Get, Req.Payload(Req.Id(lonely), TtlvElement.Enumeration(Tag.KeyFormatType, (uint)KeyFormatType.PKCS_12), PasswordSpec("pw")));
    }

    [Fact]
    public void Openssl_pkcs12_registers_as_linked_private_key_public_key_and_certificates()
    {
        _o.Ok("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-keyout", "ca.key", "-subj", "/CN=OpenSSL CA",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", "ca.pem");
        _o.Ok("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "leaf.key", "-subj", "/CN=openssl leaf/O=Org", "-out", "leaf.csr");
        _o.Ok("x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "10", "-out", "leaf.pem");
        _o.Ok("pkcs12", "-export", "-in", "leaf.pem", "-inkey", "leaf.key", "-certfile", "ca.pem", "-passout", "pass:pw12", "-out", "in.p12");

        _t.Fails(ResultReason.BadPassword, Operation.Register, Pkcs12Payload(_o.Read("in.p12"), Vendor("pkcs12_password", "nope")));
        _t.Fails(ResultReason.MissingData, Operation.Register, Pkcs12Payload(_o.Read("in.p12")));
        var priv = Uid(_t.Ok(Operation.Register, Pkcs12Payload(_o.Read("in.p12"), Vendor("pkcs12_password", "pw12"), Req.Name("imported p12"),
            Req.Mask(CryptographicUsageMask.Sign), Req.Tags("mine"))));

        var privAttrs = Attributes(priv);
        Assert.Null(privAttrs.FindAll(Tag.Attribute).FirstOrDefault(a => a.Find(Tag.AttributeName)?.Text == "pkcs12_password"));
        Assert.Equal((uint)CryptographicAlgorithm.EC, privAttrs.Find(Tag.CryptographicAlgorithm)!.UInt32);
        Assert.Equal((uint)KeyFormatType.PKCS_8, _t.Ok(Operation.Get, Req.Payload(Req.Id(priv))).FindPath(Tag.PrivateKey, Tag.KeyBlock, Tag.KeyFormatType)!.UInt32);
        var pub = LinkOf(privAttrs, LinkType.PublicKeyLink)!;
        var leaf = LinkOf(privAttrs, LinkType.CertificateLink)!;
        Assert.Equal(priv, LinkOf(Attributes(pub), LinkType.PrivateKeyLink));
        Assert.Equal(leaf, LinkOf(Attributes(pub), LinkType.CertificateLink));
        Assert.Equal((int)CryptographicUsageMask.Verify, Attributes(pub).Find(Tag.CryptographicUsageMask)!.Int32);
        _o.Ok("pkey", "-in", "leaf.key", "-pubout", "-outform", "DER", "-out", "leafpub.der");
        Assert.Equal(_o.Read("leafpub.der"), PublicSpki(pub));

        var leafAttrs = Attributes(leaf);
        Assert.Equal("openssl leaf", leafAttrs.Find(Tag.CertificateSubjectCN)!.Text);
        Assert.Equal("Org", leafAttrs.Find(Tag.CertificateSubjectO)!.Text);
        Assert.Equal("OpenSSL CA", leafAttrs.Find(Tag.CertificateIssuerCN)!.Text);
        var serial = _o.Ok("x509", "-in", "leaf.pem", "-noout", "-serial").Trim()["serial=".Length..];
        Assert.Equal(Convert.FromHexString(serial), leafAttrs.FindPath(Tag.X_509CertificateIdentifier, Tag.CertificateSerialNumber)!.Bytes);
        Assert.Equal(pub, LinkOf(leafAttrs, LinkType.PublicKeyLink));
        Assert.Equal(priv, LinkOf(leafAttrs, LinkType.PrivateKeyLink));
        var caCert = LinkOf(leafAttrs, LinkType.CertificateLink)!;
        Assert.Equal("OpenSSL CA", Attributes(caCert).Find(Tag.CertificateSubjectCN)!.Text);
        Assert.Equal((uint)DigitalSignatureAlgorithm.SHA_256WithRSAEncryption, leafAttrs.Find(Tag.DigitalSignatureAlgorithm)!.UInt32);

        Assert.Equal([caCert], Located("_cert_ca=OpenSSL CA"));
        Assert.Equal(2, Located("_cert_uid=" + leaf).Count);
        Assert.Equal([priv], Located("mine"));
        Assert.Equal(ValidityIndicator.Valid, Validate([], [leaf]));

        // And back out as PKCS#12: openssl reads our export of the imported key with its chain.
        var p12 = _t.Ok(Operation.Get, Req.Payload(Req.Id(priv), TtlvElement.Enumeration(Tag.KeyFormatType, (uint)KeyFormatType.PKCS_12), PasswordSpec("again")))
            .FindPath(Tag.PrivateKey, Tag.KeyBlock, Tag.KeyValue, Tag.KeyMaterial)!.Bytes;
        _o.File("out.p12", p12);
        var pem = _o.Ok("pkcs12", "-in", "out.p12", "-passin", "pass:again", "-nodes");
        Assert.Contains("subject=CN = OpenSSL CA", pem);
        Assert.Contains("subject=CN = openssl leaf, O = Org", pem);
    }

    [Fact]
    public void Register_of_an_openssl_certificate_fills_attributes_and_tags()
    {
        _o.Ok("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "5", "-keyout", "k.pem", "-subj", "/C=FR/O=Acme/CN=acme root",
            "-addext", "basicConstraints=critical,CA:TRUE", "-outform", "DER", "-out", "c.der");
        var der = _o.Read("c.der");
        var id = Uid(_t.Ok(Operation.Register, Req.Payload(TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.Certificate), Req.Attrs(),
            TtlvElement.Structure(Tag.Certificate, TtlvElement.Enumeration(Tag.CertificateType, (uint)CertificateType.X_509), TtlvElement.ByteString(Tag.CertificateValue, der)))));
        var a = Attributes(id);
        Assert.Equal("acme root", a.Find(Tag.CertificateSubjectCN)!.Text);
        Assert.Equal("FR", a.Find(Tag.CertificateIssuerC)!.Text);
        Assert.Equal(der.Length, a.Find(Tag.CertificateLength)!.Int32);
        Assert.Equal(SHA256.HashData(der), a.FindPath(Tag.Digest, Tag.DigestValue)!.Bytes);
        Assert.Equal((uint)DigitalSignatureAlgorithm.SHA_256WithRSAEncryption, a.Find(Tag.DigitalSignatureAlgorithm)!.UInt32);
        using var x = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(der);
        Assert.Equal(x.SubjectName.RawData, a.FindPath(Tag.X_509CertificateSubject, Tag.SubjectDistinguishedName)!.Bytes);
        _o.File("c2.der", der);
        var ski = _o.Ok("x509", "-inform", "DER", "-in", "c2.der", "-noout", "-ext", "subjectKeyIdentifier").Split('\n')[1].Trim().Replace(":", "").ToLowerInvariant();
        Assert.Equal([id], Located("_cert_spki=" + ski));
        Assert.Equal([id], Located("_cert_ca=acme root"));
        // KMIP 1.4 names of the same attributes.
        var v1 = _t.Ok(Operation.GetAttributes, Req.Payload(Req.Id(id), TtlvElement.TextString(Tag.AttributeName, "Certificate Subject CN")), Req.V1);
        Assert.Equal("acme root", v1.FindPath(Tag.Attribute, Tag.AttributeValue)!.Text);
        // The openssl root is trusted once stored.
        Assert.Equal(ValidityIndicator.Valid, Validate([der], []));
    }

    [Fact]
    public void Export_then_Import_restores_the_object_with_its_attributes_and_rights_apply()
    {
        var id = Uid(_t.Ok(Operation.Create, Req.CreateAes(256, Req.Name("to move"), Req.Tags("t1"))));
        _t.Ok(Operation.Activate, Req.Payload(Req.Id(id)));
        var exported = _t.Ok(Operation.Export, Req.Payload(Req.Id(id)));
        var key = exported.FindPath(Tag.SymmetricKey, Tag.KeyBlock, Tag.KeyValue, Tag.KeyMaterial)!.Bytes;
        var attrs = exported.Find(Tag.Attributes)!;
        Assert.Equal((uint)State.Active, attrs.Find(Tag.State)!.UInt32);

        TtlvElement ImportPayload(string newId, bool? replace = null, TtlvElement? value = null, KeyWrapType? wrap = null)
        {
            var p = Req.Payload(Req.Id(newId), TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.SymmetricKey));
            if (replace is { } r) p.Children.Add(TtlvElement.Boolean(Tag.ReplaceExisting, r));
            if (wrap is { } w) p.Children.Add(TtlvElement.Enumeration(Tag.KeyWrapType, (uint)w));
            p.Children.Add(TtlvElement.Structure(Tag.Attributes, attrs.Children.Where(c => c.Tag != Tag.UniqueIdentifier && c.Tag != Tag.Name).ToArray()));
            p.Children.Add(value ?? exported.Find(Tag.SymmetricKey)!);
            return p;
        }
        Assert.Equal("moved-1", Uid(_t.Ok(Operation.Import, ImportPayload("moved-1"))));
        var back = _t.Ok(Operation.Export, Req.Payload(Req.Id("moved-1")));
        Assert.Equal(key, back.FindPath(Tag.SymmetricKey, Tag.KeyBlock, Tag.KeyValue, Tag.KeyMaterial)!.Bytes);
        var backAttrs = back.Find(Tag.Attributes)!;
        Assert.Equal((uint)State.Active, backAttrs.Find(Tag.State)!.UInt32);
        Assert.Equal(attrs.Find(Tag.ActivationDate)!.Number, backAttrs.Find(Tag.ActivationDate)!.Number);
        Assert.Equal(attrs.Find(Tag.InitialDate)!.Number, backAttrs.Find(Tag.InitialDate)!.Number);
        Assert.Equal(["moved-1"], Located("t1").Where(x => x == "moved-1").ToList());

        // Existing identifier: refused unless Replace Existing.
        _t.Fails(ResultReason.ObjectAlreadyExists, Operation.Import, ImportPayload("moved-1"));
        _t.Ok(Operation.Import, ImportPayload("moved-1", replace: true));

        // Rights: bob sees nothing; with Get only, Export is denied; with Export it works; Import over alice's object is denied.
        _t.Fails(ResultReason.ObjectNotFound, Operation.Export, Req.Payload(Req.Id(id)), user: "bob");
        var alice = new CallerIdentity("alice", "socket", null);
        Assert.Equal(Access.AccessStatus.Ok, _t.Engine.Access.Grant(alice, id, "bob", [Access.Permission.Get]));
        _t.Fails(ResultReason.PermissionDenied, Operation.Export, Req.Payload(Req.Id(id)), user: "bob");
        Assert.Equal(Access.AccessStatus.Ok, _t.Engine.Access.Grant(alice, id, "bob", [Access.Permission.Export]));
        _t.Ok(Operation.Export, Req.Payload(Req.Id(id)), user: "bob");
        _t.Fails(ResultReason.PermissionDenied, Operation.Import, ImportPayload(id, replace: true), user: "bob");
        Assert.Equal(Access.AccessStatus.Ok, _t.Engine.Access.Grant(alice, id, "bob", [Access.Permission.Import]));
        _t.Ok(Operation.Import, ImportPayload(id, replace: true), user: "bob");
        _t.Fails(ResultReason.MissingData, Operation.Import, Req.Payload(TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.SymmetricKey), exported.Find(Tag.SymmetricKey)!));

        // Wrapped export: Import Not Wrapped unwraps with the KMS key, As Registered keeps it wrapped.
        var kek = Uid(_t.Ok(Operation.Create, Req.CreateAes(256, Req.Mask(CryptographicUsageMask.WrapKey | CryptographicUsageMask.UnwrapKey))));
        _t.Ok(Operation.Activate, Req.Payload(Req.Id(kek)));
        var wrapped = _t.Ok(Operation.Export, Req.Payload(Req.Id(id), TtlvElement.Structure(Tag.KeyWrappingSpecification,
            TtlvElement.Enumeration(Tag.WrappingMethod, (uint)WrappingMethod.Encrypt), TtlvElement.Structure(Tag.EncryptionKeyInformation, Req.Id(kek))))).Find(Tag.SymmetricKey)!;
        Assert.NotNull(wrapped.FindPath(Tag.KeyBlock, Tag.KeyWrappingData));
        _t.Ok(Operation.Import, ImportPayload("unwrapped", value: wrapped, wrap: KeyWrapType.NotWrapped));
        Assert.Equal(key, _t.Ok(Operation.Get, Req.Payload(Req.Id("unwrapped"))).FindPath(Tag.SymmetricKey, Tag.KeyBlock, Tag.KeyValue, Tag.KeyMaterial)!.Bytes);
        _t.Ok(Operation.Import, ImportPayload("still-wrapped", value: wrapped, wrap: KeyWrapType.AsRegistered));
        Assert.NotNull(_t.Ok(Operation.Get, Req.Payload(Req.Id("still-wrapped"))).FindPath(Tag.SymmetricKey, Tag.KeyBlock, Tag.KeyWrappingData));
        // Bob may not decrypt with alice's KEK: the unwrap fails as if the KEK did not exist.
        _t.Fails(ResultReason.ObjectNotFound, Operation.Import, ImportPayload("bob-unwrapped", value: wrapped, wrap: KeyWrapType.NotWrapped), user: "bob");
    }

    [Fact]
    public void Register_stores_wrapped_keys_as_received_or_unwraps_them_when_configured()
    {
        using var unwrapping = new TestEngine(unwrapOnRegister: true);
        foreach (var (engine, expectWrapped) in new[] { (_t, true), (unwrapping, false) })
        {
            var kek = Uid(engine.Ok(Operation.Create, Req.CreateAes(256, Req.Mask(CryptographicUsageMask.WrapKey | CryptographicUsageMask.UnwrapKey))));
            engine.Ok(Operation.Activate, Req.Payload(Req.Id(kek)));
            var id = Uid(engine.Ok(Operation.Create, Req.CreateAes()));
            var plain = engine.Ok(Operation.Get, Req.Payload(Req.Id(id))).FindPath(Tag.SymmetricKey, Tag.KeyBlock, Tag.KeyValue, Tag.KeyMaterial)!.Bytes;
            var wrapped = engine.Ok(Operation.Get, Req.Payload(Req.Id(id), TtlvElement.Structure(Tag.KeyWrappingSpecification,
                TtlvElement.Enumeration(Tag.WrappingMethod, (uint)WrappingMethod.Encrypt), TtlvElement.Structure(Tag.EncryptionKeyInformation, Req.Id(kek))))).Find(Tag.SymmetricKey)!;
            var registered = Uid(engine.Ok(Operation.Register, Req.Payload(TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.SymmetricKey),
                Req.Attrs(Req.Mask(CryptographicUsageMask.Encrypt)), wrapped)));
            var stored = engine.Ok(Operation.Get, Req.Payload(Req.Id(registered))).Find(Tag.SymmetricKey)!;
            Assert.Equal(expectWrapped, stored.FindPath(Tag.KeyBlock, Tag.KeyWrappingData) is not null);
            if (!expectWrapped) Assert.Equal(plain, stored.FindPath(Tag.KeyBlock, Tag.KeyValue, Tag.KeyMaterial)!.Bytes);
            // A wrapping key the caller cannot use: stored as received even when unwrapping is on.
            var bobs = Uid(engine.Ok(Operation.Register, Req.Payload(TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.SymmetricKey),
                Req.Attrs(Req.Mask(CryptographicUsageMask.Encrypt)), wrapped), user: "bob"));
            Assert.NotNull(engine.Ok(Operation.Get, Req.Payload(Req.Id(bobs)), user: "bob").FindPath(Tag.SymmetricKey, Tag.KeyBlock, Tag.KeyWrappingData));
        }
    }

    [Fact]
    public void Certify_takes_the_id_placeholder_of_create_key_pair_and_query_lists_the_operations()
    {
        var pair = CryptoOperationTests.KeyPair2(CryptographicAlgorithm.Ed25519, 0);
        pair.Find(Tag.CommonAttributes)!.Children.Add(TtlvElement.DateTime(Tag.ActivationDate, DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds()));
        var response = _t.Send(Req.Message(Req.V2, [(Operation.CreateKeyPair, pair),
            (Operation.Certify, Req.Payload(Req.Attrs(Cn("batch self-signed")))),
            (Operation.Validate, Req.Payload(TtlvElement.Enumeration(Tag.UniqueIdentifier, (uint)Ttlv.UniqueIdentifier.IDPlaceholder)))]));
        var items = response.FindAll(Tag.BatchItem).Select(e => new Item(e)).ToList();
        Assert.All(items, i => Assert.Equal(ResultStatus.Success, i.Status));
        var cert = Uid(items[1].Payload!);
        Pem("ed.pem", cert);
        Assert.Contains("ed.pem: OK", _o.Ok("verify", "-CAfile", "ed.pem", "ed.pem"));
        Assert.Contains("ED25519", _o.Ok("x509", "-in", "ed.pem", "-noout", "-text"));

        var ops = _t.Ok(Operation.Query, Req.Payload(TtlvElement.Enumeration(Tag.QueryFunction, (uint)QueryFunction.QueryOperations)))
            .FindAll(Tag.Operation).Select(o => (Operation)o.UInt32).ToList();
        Assert.Contains(Operation.Certify, ops);
        Assert.Contains(Operation.Validate, ops);
        Assert.Contains(Operation.Export, ops);
        Assert.Contains(Operation.Import, ops);
        var ops14 = _t.Ok(Operation.Query, Req.Payload(TtlvElement.Enumeration(Tag.QueryFunction, (uint)QueryFunction.QueryOperations)), Req.V1)
            .FindAll(Tag.Operation).Select(o => (Operation)o.UInt32).ToList();
        Assert.Contains(Operation.Export, ops14);
    }

    /// <summary>Corrupted requests, certificates and PKCS#12 files inside well-formed messages fail with a KMIP reason, never a General Failure (a bug).</summary>
    [Fact]
    public void Corrupted_certificates_requests_and_pkcs12_fail_cleanly()
    {
        var (ca, _) = Ca();
        _o.Ok("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "k.pem", "-subj", "/CN=fuzz", "-outform", "DER", "-out", "r.der");
        _o.Ok("req", "-x509", "-key", "k.pem", "-subj", "/CN=fuzz", "-days", "2", "-out", "c.pem");
        _o.Ok("x509", "-in", "c.pem", "-outform", "DER", "-out", "c.der");
        _o.Ok("pkcs12", "-export", "-in", "c.pem", "-inkey", "k.pem", "-passout", "pass:pw", "-out", "f.p12");
        var csr = _o.Read("r.der");
        var cert = _o.Read("c.der");
        var p12 = _o.Read("f.p12");
        var random = new Random(4321);
        byte[] Mutate(byte[] input)
        {
            var b = (byte[])input.Clone();
            switch (random.Next(3))
            {
                case 0:
                    for (int k = 0; k < 1 + random.Next(4); k++) b[random.Next(b.Length)] ^= (byte)(1 << random.Next(8));
                    return b;
                case 1:
                    return b[..random.Next(b.Length)];
                default:
                    b[random.Next(b.Length)] = (byte)random.Next(256);
                    return b;
            }
        }
        int failures = 0;
        void Check(Operation op, TtlvElement payload)
        {
            var item = _t.Call(op, payload);
            Assert.NotEqual(ResultReason.GeneralFailure, item.Reason);
            if (item.Status != ResultStatus.Success) failures++;
        }
        for (int i = 0; i < 200; i++)
        {
            Check(Operation.Certify, Req.Payload(TtlvElement.Enumeration(Tag.CertificateRequestType, (uint)CertificateRequestType.PKCS_10),
                TtlvElement.ByteString(Tag.CertificateRequestValue, Mutate(csr)), Req.Attrs(Link(LinkType.CertificateLink, ca))));
            var badCert = Mutate(cert);
            Check(Operation.Validate, Req.Payload(TtlvElement.Structure(Tag.Certificate, TtlvElement.Enumeration(Tag.CertificateType, (uint)CertificateType.X_509),
                TtlvElement.ByteString(Tag.CertificateValue, badCert))));
            Check(Operation.Register, Req.Payload(TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.Certificate), Req.Attrs(),
                TtlvElement.Structure(Tag.Certificate, TtlvElement.Enumeration(Tag.CertificateType, (uint)CertificateType.X_509), TtlvElement.ByteString(Tag.CertificateValue, badCert))));
            Check(Operation.Register, Pkcs12Payload(Mutate(p12), Vendor("pkcs12_password", "pw")));
            Check(Operation.Certify, Certify(null, Cn("x"), Link(LinkType.CertificateLink, ca), Vendor("x509_extensions", System.Text.Encoding.UTF8.GetString(Mutate("subjectAltName = DNS:a.b, IP:10.0.0.1\nkeyUsage = digitalSignature"u8.ToArray())))));
        }
        Assert.True(failures > 200, $"only {failures} failures");
    }

    [Fact]
    public void Certify_by_a_grantee_leaves_the_owners_key_unchanged()
    {
        var (_, alicePub) = Pair();
        var (bobCaKey, bobCaPub) = Pair(user: "bob");
        var bobCa = Uid(_t.Ok(Operation.Certify, Certify(bobCaPub, Cn("Bob CA"), Vendor("x509_extensions", CaExtensions)), user: "bob"));
        _t.Fails(ResultReason.ObjectNotFound, Operation.Certify, Certify(alicePub, Cn("for alice"), Link(LinkType.CertificateLink, bobCa)), user: "bob");
        Assert.Equal(Access.AccessStatus.Ok, _t.Engine.Access.Grant(new CallerIdentity("alice", "socket", null), alicePub, "bob", [Access.Permission.Get]));
        var cert = Uid(_t.Ok(Operation.Certify, Certify(alicePub, Cn("for alice"), Link(LinkType.CertificateLink, bobCa)), user: "bob"));
        Assert.Equal(alicePub, LinkOf(_t.Ok(Operation.GetAttributes, Req.Payload(Req.Id(cert)), user: "bob").Find(Tag.Attributes)!, LinkType.PublicKeyLink));
        Assert.Null(LinkOf(Attributes(alicePub), LinkType.CertificateLink));
        Assert.Empty(Located("_cert_uid=" + cert));
        Assert.Equal(bobCaKey, LinkOf(_t.Ok(Operation.GetAttributes, Req.Payload(Req.Id(bobCa)), user: "bob").Find(Tag.Attributes)!, LinkType.PrivateKeyLink));
    }
}
