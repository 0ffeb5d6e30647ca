using Kms.Engine.Crypto;
using Kms.Ttlv;

namespace Kms.Engine.Tests.Crypto;

public class PolicyAndKeyGenTests
{
    [Theory]
    [InlineData(CryptographicAlgorithm.AES, 128)]
    [InlineData(CryptographicAlgorithm.AES, 192)]
    [InlineData(CryptographicAlgorithm.AES, 256)]
    [InlineData(CryptographicAlgorithm.ChaCha20, 256)]
    [InlineData(CryptographicAlgorithm.HMAC_SHA1, 160)]
    [InlineData(CryptographicAlgorithm.HMAC_SHA224, 224)]
    [InlineData(CryptographicAlgorithm.HMAC_SHA512, 512)]
    [InlineData(CryptographicAlgorithm.HMAC_SHA3_256, 256)]
    [InlineData(CryptographicAlgorithm.HMAC_SHA3_512, 0)]
    public void Symmetric_keys_have_the_requested_length(CryptographicAlgorithm alg, int bits)
    {
        var k = KeyGenerator.GenerateSymmetric(AlgorithmPolicy.Default, alg, bits);
        Assert.Equal(bits == 0 ? 64 : bits / 8, k.Length);
        Assert.NotEqual(k, KeyGenerator.GenerateSymmetric(AlgorithmPolicy.Default, alg, bits));
    }

    [Theory]
    [InlineData(CryptographicAlgorithm.AES, 100, CryptoFailureReason.PolicyDenied)]
    [InlineData(CryptographicAlgorithm.ChaCha20, 128, CryptoFailureReason.BadParameters)]
    [InlineData(CryptographicAlgorithm.HMAC_SHA256, 12, CryptoFailureReason.BadParameters)]
    [InlineData(CryptographicAlgorithm.Blowfish, 128, CryptoFailureReason.UnsupportedParameters)]
    public void Bad_symmetric_requests_fail_with_the_right_reason(CryptographicAlgorithm alg, int bits, CryptoFailureReason reason)
    {
        Assert.Equal(reason, Assert.Throws<CryptoFailure>(() => KeyGenerator.GenerateSymmetric(AlgorithmPolicy.Default, alg, bits)).Reason);
    }

    [Fact]
    public void Tdes_key_has_odd_parity()
    {
        var k = KeyGenerator.GenerateSymmetric(new AlgorithmPolicy(AlgorithmPolicyMode.Default, allowTripleDes: true), CryptographicAlgorithm.DES3, 192);
        Assert.All(k, b => Assert.Equal(1, System.Numerics.BitOperations.PopCount(b) % 2));
    }

    [Theory]
    [InlineData(CryptographicAlgorithm.Ed25519, (RecommendedCurve)0, KeyKind.Ed25519, 256)]
    [InlineData(CryptographicAlgorithm.EC, RecommendedCurve.CURVE448, KeyKind.X448, 448)]
    [InlineData(CryptographicAlgorithm.ECDSA, RecommendedCurve.P_384, KeyKind.Ec, 384)]
    [InlineData(KmsAlgorithms.MlKem1024, (RecommendedCurve)0, KeyKind.MlKem, 1024)]
    [InlineData(KmsAlgorithms.SlhDsaShake_128f, (RecommendedCurve)0, KeyKind.SlhDsa, 128)]
    public void Key_pairs_describe_themselves(CryptographicAlgorithm alg, RecommendedCurve curve, KeyKind kind, int bits)
    {
        var pair = KeyGenerator.GenerateKeyPair(AlgorithmPolicy.Default, alg, curve: curve);
        Assert.Equal(kind, pair.Description.Kind);
        Assert.Equal(bits, pair.Description.Bits);
        Assert.Equal(pair.Description, KeyDescription.FromPkcs8(pair.PrivateKeyPkcs8));
    }

    [Fact]
    public void Rsa_3072_key_pair_is_generated_and_described()
    {
        var pair = KeyGenerator.GenerateKeyPair(AlgorithmPolicy.Default, CryptographicAlgorithm.RSA, 3072);
        Assert.Equal(new KeyDescription(KeyKind.Rsa, CryptographicAlgorithm.RSA, 3072, 0), pair.Description);
        Assert.Equal(384, KeyFormats.ToRsaPublicComponents(pair.PublicKeySpki).Modulus.Length);
    }

    [Fact]
    public void Rsa_sizes_are_checked_before_generation()
    {
        Assert.Equal(CryptoFailureReason.PolicyDenied,
            Assert.Throws<CryptoFailure>(() => KeyGenerator.GenerateKeyPair(AlgorithmPolicy.Default, CryptographicAlgorithm.RSA, 1024)).Reason);
        Assert.Equal(CryptoFailureReason.BadParameters,
            Assert.Throws<CryptoFailure>(() => KeyGenerator.GenerateKeyPair(AlgorithmPolicy.Default, CryptographicAlgorithm.RSA, 2050)).Reason);
    }

    [Fact]
    public void Fips_mode_allows_approved_and_denies_the_rest_with_a_clear_message()
    {
        var fips = AlgorithmPolicy.Fips;
        Assert.True(fips.IsAllowed(new AlgorithmUse(CryptoUse.Encrypt, CryptographicAlgorithm.AES, 256, Mode: BlockCipherMode.GCM), out _));
        Assert.True(fips.IsAllowed(new AlgorithmUse(CryptoUse.Generate, CryptographicAlgorithm.EC, 256, RecommendedCurve.P_256), out _));
        Assert.True(fips.IsAllowed(new AlgorithmUse(CryptoUse.Generate, KmsAlgorithms.MlDsa65), out _));
        Assert.True(fips.IsAllowed(new AlgorithmUse(CryptoUse.Sign, CryptographicAlgorithm.Ed25519), out _));
        Assert.True(fips.IsAllowed(new AlgorithmUse(CryptoUse.Verify, CryptographicAlgorithm.RSA, 2048, Hash: HashingAlgorithm.SHA_1), out _));

        Assert.False(fips.IsAllowed(new AlgorithmUse(CryptoUse.Encrypt, CryptographicAlgorithm.ChaCha20Poly1305, 256), out var why));
        Assert.Contains("ChaCha20", why);
        Assert.False(fips.IsAllowed(new AlgorithmUse(CryptoUse.Encrypt, CryptographicAlgorithm.RSA, 2048, Padding: PaddingMethod.PKCS1V1_5), out why));
        Assert.Contains("PKCS#1 v1.5", why);
        Assert.False(fips.IsAllowed(new AlgorithmUse(CryptoUse.Mac, CryptographicAlgorithm.HMAC_SHA256, 64), out _));
        Assert.False(fips.IsAllowed(new AlgorithmUse(CryptoUse.Encrypt, CryptographicAlgorithm.AES, 256, Mode: BlockCipherMode.OFB), out _));

        var e = Assert.Throws<CryptoFailure>(() => SymmetricCipher.Encrypt(fips,
            new SymmetricParameters(CryptographicAlgorithm.ChaCha20Poly1305, BlockCipherMode.AEAD), new byte[32], new byte[12], default, new byte[1], new byte[1], new byte[16]));
        Assert.Equal(ResultReason.PermissionDenied, e.ToResultReason());
    }

    [Fact]
    public void Allowlist_restricts_algorithms_and_rejects_unknown_names()
    {
        var p = new AlgorithmPolicy(AlgorithmPolicyMode.Default, ["AES", "ed25519", "ML-DSA-65"]);
        Assert.True(p.IsAllowed(new AlgorithmUse(CryptoUse.Generate, CryptographicAlgorithm.AES, 256), out _));
        Assert.True(p.IsAllowed(new AlgorithmUse(CryptoUse.Generate, CryptographicAlgorithm.Ed25519), out _));
        Assert.True(p.IsAllowed(new AlgorithmUse(CryptoUse.Generate, KmsAlgorithms.MlDsa65), out _));
        Assert.False(p.IsAllowed(new AlgorithmUse(CryptoUse.Generate, CryptographicAlgorithm.RSA, 2048), out var why));
        Assert.Contains("allowlist", why);
        Assert.Equal(CryptoFailureReason.PolicyDenied,
            Assert.Throws<CryptoFailure>(() => KeyGenerator.GenerateKeyPair(p, CryptographicAlgorithm.RSA, 2048)).Reason);
        Assert.Throws<ArgumentException>(() => new AlgorithmPolicy(AlgorithmPolicyMode.Default, ["NOT-AN-ALGORITHM"]));
    }

    [Fact]
    public void Every_failure_reason_maps_to_a_kmip_result_reason()
    {
        foreach (var r in Enum.GetValues<CryptoFailureReason>())
            Assert.True(Enum.IsDefined(new CryptoFailure(r, "x").ToResultReason()));
    }
}
