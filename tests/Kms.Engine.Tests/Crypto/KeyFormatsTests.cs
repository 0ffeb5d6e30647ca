using Kms.Engine.Crypto;
using Kms.Ttlv;

namespace Kms.Engine.Tests.Crypto;

public class KeyFormatsTests(KeyFixture keys) : IClassFixture<KeyFixture>
{
    private static readonly AlgorithmPolicy Policy = AlgorithmPolicy.Default;

    [Theory]
    [InlineData(CryptographicAlgorithm.EC, RecommendedCurve.P_256)]
    [InlineData(CryptographicAlgorithm.EC, RecommendedCurve.P_521)]
    [InlineData(CryptographicAlgorithm.EC, RecommendedCurve.SECP256K1)]
    [InlineData(CryptographicAlgorithm.Ed25519, (RecommendedCurve)0)]
    [InlineData(CryptographicAlgorithm.Ed448, (RecommendedCurve)0)]
    [InlineData(CryptographicAlgorithm.EC, RecommendedCurve.CURVE25519)]
    [InlineData(CryptographicAlgorithm.EC, RecommendedCurve.CURVE448)]
    public void Pkcs8_export_is_read_by_openssl_and_yields_our_spki(CryptographicAlgorithm alg, RecommendedCurve curve)
    {
        var pair = KeyGenerator.GenerateKeyPair(Policy, alg, curve: curve);
        using var o = new OpenSsl();
        o.File("k.der", pair.PrivateKeyPkcs8);
        o.Ok("pkey", "-inform", "DER", "-in", "k.der", "-pubout", "-outform", "DER", "-out", "pub.der");
        Assert.Equal(pair.PublicKeySpki, o.Read("pub.der"));
        Assert.Equal(pair.PublicKeySpki, KeyFormats.PublicFromPrivate(pair.PrivateKeyPkcs8));
        o.File("p.der", pair.PublicKeySpki);
        o.Ok("pkey", "-pubin", "-inform", "DER", "-in", "p.der", "-noout");
    }

    [Fact]
    public void Rsa_pkcs8_and_spki_are_read_by_openssl()
    {
        using var o = new OpenSsl();
        o.File("k.der", keys.Rsa.PrivateKeyPkcs8);
        o.Ok("pkey", "-inform", "DER", "-in", "k.der", "-pubout", "-outform", "DER", "-out", "pub.der");
        Assert.Equal(keys.Rsa.PublicKeySpki, o.Read("pub.der"));
        Assert.Contains("Private-Key: (2048 bit", o.Ok("pkey", "-inform", "DER", "-in", "k.der", "-noout", "-text"));
    }

    [Fact]
    public void Rsa_pkcs1_and_transparent_round_trips_match_openssl()
    {
        using var o = new OpenSsl();
        var pkcs1 = KeyFormats.PrivateFromPkcs8(keys.Rsa.PrivateKeyPkcs8, KeyFormatType.PKCS_1);
        o.File("k.der", keys.Rsa.PrivateKeyPkcs8);
        o.Ok("rsa", "-inform", "DER", "-in", "k.der", "-traditional", "-outform", "DER", "-out", "k1.der");
        Assert.Equal(o.Read("k1.der"), pkcs1);
        Assert.Equal(keys.Rsa.PrivateKeyPkcs8, KeyFormats.PrivateToPkcs8(KeyFormatType.PKCS_1, pkcs1));

        var pub1 = KeyFormats.PublicFromSpki(keys.Rsa.PublicKeySpki, KeyFormatType.PKCS_1);
        Assert.Equal(keys.Rsa.PublicKeySpki, KeyFormats.PublicToSpki(KeyFormatType.PKCS_1, pub1));

        var c = KeyFormats.ToRsaComponents(keys.Rsa.PrivateKeyPkcs8);
        Assert.Equal(256, c.Modulus.Length);
        Assert.Equal(new byte[] { 1, 0, 1 }, c.PublicExponent);
        Assert.Contains(Convert.ToHexString(c.Modulus), o.Ok("rsa", "-inform", "DER", "-in", "k.der", "-noout", "-modulus").Trim());
        var back = KeyFormats.FromRsaComponents(c);
        var sig = Signer.Sign(Policy, default, back, "t"u8);
        Assert.True(Signer.Verify(Policy, default, keys.Rsa.PublicKeySpki, "t"u8, sig));
        var pc = KeyFormats.ToRsaPublicComponents(keys.Rsa.PublicKeySpki);
        Assert.Equal(keys.Rsa.PublicKeySpki, KeyFormats.FromRsaPublicComponents(pc));
    }

    [Fact]
    public void Ec_sec1_raw_and_transparent_round_trips()
    {
        using var o = new OpenSsl();
        var sec1 = KeyFormats.PrivateFromPkcs8(keys.P256.PrivateKeyPkcs8, KeyFormatType.ECPrivateKey);
        o.File("sec1.der", sec1);
        o.Ok("ec", "-inform", "DER", "-in", "sec1.der", "-pubout", "-outform", "DER", "-out", "pub.der");
        Assert.Equal(keys.P256.PublicKeySpki, o.Read("pub.der"));
        var p8 = KeyFormats.PrivateToPkcs8(KeyFormatType.ECPrivateKey, sec1);
        Assert.Equal(keys.P256.PublicKeySpki, KeyFormats.PublicFromPrivate(p8));

        var t = KeyFormats.ToEcComponents(keys.P256.PrivateKeyPkcs8);
        Assert.Equal(RecommendedCurve.P_256, t.Curve);
        Assert.Equal(32, t.D.Length);
        var fromT = KeyFormats.FromEcComponents(t);
        Assert.Equal(keys.P256.PublicKeySpki, KeyFormats.PublicFromPrivate(fromT));
        var sig = Signer.Sign(Policy, default, fromT, "t"u8);
        Assert.True(Signer.Verify(Policy, default, keys.P256.PublicKeySpki, "t"u8, sig));

        var q = KeyFormats.ToEcPublicComponents(keys.P256.PublicKeySpki);
        Assert.Equal(65, q.Q.Length);
        Assert.Equal(0x04, q.Q[0]);
        Assert.Equal(keys.P256.PublicKeySpki, KeyFormats.FromEcPublicComponents(q));
        Assert.Equal(q.Q, KeyFormats.PublicFromSpki(keys.P256.PublicKeySpki, KeyFormatType.Raw));
    }

    [Fact]
    public void Invalid_ec_point_and_scalar_are_InvalidKey()
    {
        var q = new byte[65];
        q[0] = 4;
        q[1] = 1;
        Assert.Equal(CryptoFailureReason.InvalidKey,
            Assert.Throws<CryptoFailure>(() => KeyFormats.PublicToSpki(KeyFormatType.Raw, q, CryptographicAlgorithm.EC, RecommendedCurve.P_256)).Reason);
        Assert.Equal(CryptoFailureReason.InvalidKey,
            Assert.Throws<CryptoFailure>(() => KeyFormats.FromEcComponents(new EcPrivateComponents(RecommendedCurve.P_256, new byte[32]))).Reason);
    }

    [Theory]
    [InlineData(KmsAlgorithms.MlKem768, 1184)]
    [InlineData(KmsAlgorithms.MlDsa44, 1312)]
    [InlineData(CryptographicAlgorithm.Ed25519, 32)]
    public void Raw_round_trips(CryptographicAlgorithm alg, int publicLength)
    {
        var pair = KeyGenerator.GenerateKeyPair(Policy, alg);
        var rawPub = KeyFormats.PublicFromSpki(pair.PublicKeySpki, KeyFormatType.Raw);
        Assert.Equal(publicLength, rawPub.Length); // FIPS 203 Table 3, FIPS 204 Table 2, RFC 8032
        Assert.Equal(pair.PublicKeySpki, KeyFormats.PublicToSpki(KeyFormatType.Raw, rawPub, alg));
        var rawPriv = KeyFormats.PrivateFromPkcs8(pair.PrivateKeyPkcs8, KeyFormatType.Raw);
        var p8 = KeyFormats.PrivateToPkcs8(KeyFormatType.Raw, rawPriv, alg);
        Assert.Equal(pair.PublicKeySpki, KeyFormats.PublicFromPrivate(p8));
    }

    [Fact]
    public void Unsupported_conversions_are_KeyFormatTypeNotSupported()
    {
        var e = Assert.Throws<CryptoFailure>(() => KeyFormats.PrivateFromPkcs8(keys.P256.PrivateKeyPkcs8, KeyFormatType.PKCS_1));
        Assert.Equal(ResultReason.KeyFormatTypeNotSupported, e.ToResultReason());
        Assert.Equal(CryptoFailureReason.KeyFormatNotSupported,
            Assert.Throws<CryptoFailure>(() => KeyFormats.PublicFromSpki(keys.Rsa.PublicKeySpki, KeyFormatType.Raw)).Reason);
        Assert.Equal(CryptoFailureReason.KeyFormatNotSupported,
            Assert.Throws<CryptoFailure>(() => KeyFormats.PrivateToPkcs8(KeyFormatType.TransparentDHPrivateKey, new byte[4])).Reason);
    }

    [Fact]
    public void Garbage_pkcs8_is_InvalidKey_and_the_message_holds_no_input()
    {
        var garbage = "30 03 02 01 00 SECRETSECRET"u8.ToArray();
        var e = Assert.Throws<CryptoFailure>(() => KeyFormats.PrivateToPkcs8(KeyFormatType.PKCS_8, garbage));
        Assert.Equal(CryptoFailureReason.InvalidKey, e.Reason);
        Assert.DoesNotContain("SECRET", e.Message);
    }

    [Fact]
    public void Key_description_reports_kmip_attributes()
    {
        Assert.Equal(new KeyDescription(KeyKind.Rsa, CryptographicAlgorithm.RSA, 2048, 0), KeyDescription.FromPkcs8(keys.Rsa.PrivateKeyPkcs8));
        Assert.Equal(new KeyDescription(KeyKind.Ec, CryptographicAlgorithm.EC, 256, RecommendedCurve.P_256), KeyDescription.FromSpki(keys.P256.PublicKeySpki));
        Assert.Equal(KeyKind.Ed25519, KeyDescription.FromSpki(keys.Ed25519.PublicKeySpki).Kind);
    }
}
