using Kms.Engine.Crypto;
using System.Security.Cryptography;

namespace Kms.Engine.Tests.Crypto;

public class Pkcs12Tests(KeyFixture keys) : IClassFixture<KeyFixture>
{
    private static readonly AlgorithmPolicy Policy = AlgorithmPolicy.Default;

    private byte[] SelfSigned(GeneratedKeyPair pair) => Certificates.Issue(Policy, new CertificateTemplate { Subject = "CN=p12 test" }, pair.PublicKeySpki, pair.PrivateKeyPkcs8);

    [Fact]
    public void Export_opens_with_openssl_pkcs12_and_holds_the_same_key_and_certificate()
    {
        var cert = SelfSigned(keys.P256);
        var p12 = Pkcs12Codec.Export(keys.P256.PrivateKeyPkcs8, cert, null, "s3cret pw");
        using var o = new OpenSsl();
        o.File("a.p12", p12);
        o.Ok("pkcs12", "-in", "a.p12", "-passin", "pass:s3cret pw", "-nodes", "-out", "all.pem");
        var pem = File.ReadAllText(o.PathOf("all.pem"));
        Assert.Contains("-----BEGIN PRIVATE KEY-----", pem);
        Assert.Contains(PemEncoding.WriteString("CERTIFICATE", cert), pem);
        o.Ok("pkey", "-in", "all.pem", "-pubout", "-outform", "DER", "-out", "pub.der");
        Assert.Equal(keys.P256.PublicKeySpki, o.Read("pub.der"));
        Assert.NotEqual(0, o.Run("pkcs12", "-in", "a.p12", "-passin", "pass:wrong", "-nodes").Code);
    }

    [Fact]
    public void Import_reads_an_openssl_pkcs12_and_round_trips_ed25519()
    {
        using var o = new OpenSsl();
        var cert = SelfSigned(keys.Rsa);
        File.WriteAllText(o.PathOf("c.pem"), PemEncoding.WriteString("CERTIFICATE", cert));
        o.File("k.der", keys.Rsa.PrivateKeyPkcs8);
        o.Ok("pkey", "-inform", "DER", "-in", "k.der", "-out", "k.pem");
        o.Ok("pkcs12", "-export", "-in", "c.pem", "-inkey", "k.pem", "-passout", "pass:pw", "-out", "o.p12");
        var c = Pkcs12Codec.Import(o.Read("o.p12"), "pw");
        Assert.Equal(cert, c.CertificateDer);
        Assert.Equal(keys.Rsa.PublicKeySpki, KeyFormats.PublicFromPrivate(c.PrivateKeyPkcs8));

        var edCert = SelfSigned(keys.Ed25519);
        var back = Pkcs12Codec.Import(Pkcs12Codec.Export(keys.Ed25519.PrivateKeyPkcs8, edCert, null, "pw"), "pw");
        Assert.Equal(keys.Ed25519.PrivateKeyPkcs8, back.PrivateKeyPkcs8);
        Assert.Equal(edCert, back.CertificateDer);
    }

    [Fact]
    public void Wrong_password_is_BadPassword()
    {
        var p12 = Pkcs12Codec.Export(keys.P256.PrivateKeyPkcs8, SelfSigned(keys.P256), null, "right");
        var e = Assert.Throws<CryptoFailure>(() => Pkcs12Codec.Import(p12, "wrong"));
        Assert.Equal(CryptoFailureReason.BadPassword, e.Reason);
        Assert.Equal(Kms.Ttlv.ResultReason.BadPassword, e.ToResultReason());
    }
}
