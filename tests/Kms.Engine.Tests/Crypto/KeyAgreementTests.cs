using Kms.Engine.Crypto;
using Kms.Ttlv;
using static Kms.Engine.Tests.Crypto.Hex;

namespace Kms.Engine.Tests.Crypto;

public class KeyAgreementTests
{
    private static readonly AlgorithmPolicy Policy = AlgorithmPolicy.Default;

    // RFC 7748 §6.1 X25519 Diffie-Hellman example: Alice's private key, Alice's and Bob's public keys, shared secret K.
    [Fact]
    public void X25519_rfc7748_6_1()
    {
        var alice = KeyFormats.PrivateToPkcs8(KeyFormatType.Raw, B("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"), CryptographicAlgorithm.EC, RecommendedCurve.CURVE25519);
        Assert.Equal("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", S(KeyFormats.PublicFromSpki(KeyFormats.PublicFromPrivate(alice), KeyFormatType.Raw)));
        var bobPub = KeyFormats.PublicToSpki(KeyFormatType.Raw, B("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"), CryptographicAlgorithm.EC, RecommendedCurve.CURVE25519);
        Assert.Equal("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742", S(KeyAgreement.SharedSecret(Policy, alice, bobPub)));
    }

    [Theory]
    [InlineData(RecommendedCurve.P_256)]
    [InlineData(RecommendedCurve.CURVE448)]
    public void Shared_secret_matches_openssl_pkeyutl_derive(RecommendedCurve curve)
    {
        var a = KeyGenerator.GenerateKeyPair(Policy, CryptographicAlgorithm.EC, curve: curve);
        var b = KeyGenerator.GenerateKeyPair(Policy, CryptographicAlgorithm.EC, curve: curve);
        var ours = KeyAgreement.SharedSecret(Policy, a.PrivateKeyPkcs8, b.PublicKeySpki);
        Assert.Equal(ours, KeyAgreement.SharedSecret(Policy, b.PrivateKeyPkcs8, a.PublicKeySpki));
        using var o = new OpenSsl();
        o.File("a.der", a.PrivateKeyPkcs8);
        o.File("b.der", b.PublicKeySpki);
        o.Ok("pkey", "-inform", "DER", "-in", "a.der", "-out", "a.pem");
        o.Ok("pkey", "-pubin", "-inform", "DER", "-in", "b.der", "-out", "b.pem");
        o.Ok("pkeyutl", "-derive", "-inkey", "a.pem", "-peerkey", "b.pem", "-out", "s");
        Assert.Equal(o.Read("s"), ours);
    }

    [Fact]
    public void Mismatched_keys_are_IncompatibleKey()
    {
        var a = KeyGenerator.GenerateKeyPair(Policy, CryptographicAlgorithm.EC, curve: RecommendedCurve.P_256);
        var b = KeyGenerator.GenerateKeyPair(Policy, CryptographicAlgorithm.EC, curve: RecommendedCurve.P_384);
        Assert.Equal(CryptoFailureReason.IncompatibleKey, Assert.Throws<CryptoFailure>(() => KeyAgreement.SharedSecret(Policy, a.PrivateKeyPkcs8, b.PublicKeySpki)).Reason);
    }
}
