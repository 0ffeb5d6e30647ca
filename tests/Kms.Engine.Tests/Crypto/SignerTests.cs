using Kms.Engine.Crypto;
using Kms.Ttlv;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using static Kms.Engine.Tests.Crypto.Hex;

namespace Kms.Engine.Tests.Crypto;

public class SignerTests(KeyFixture keys) : IClassFixture<KeyFixture>
{
    private static readonly AlgorithmPolicy Policy = AlgorithmPolicy.Default;

    // RFC 8032 §7.1 Ed25519 TEST 1 (empty message) and TEST 2 (one byte 0x72).
    [Theory]
    [InlineData("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")]
    [InlineData("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb", "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00")]
    public void Ed25519_rfc8032(string secret, string pub, string msg, string sig)
    {
        var pkcs8 = KeyFormats.PrivateToPkcs8(KeyFormatType.Raw, B(secret), CryptographicAlgorithm.Ed25519);
        var spki = KeyFormats.PublicFromPrivate(pkcs8);
        Assert.Equal(pub, S(KeyFormats.PublicFromSpki(spki, KeyFormatType.Raw)));
        var signature = Signer.Sign(Policy, default, pkcs8, B(msg));
        Assert.Equal(sig, S(signature));
        Assert.True(Signer.Verify(Policy, default, spki, B(msg), signature));
        signature[10] ^= 1;
        Assert.False(Signer.Verify(Policy, default, spki, B(msg), signature));
    }

    [Theory]
    [InlineData(PaddingMethod.PKCS1V1_5, HashingAlgorithm.SHA_256)]
    [InlineData(PaddingMethod.PSS, HashingAlgorithm.SHA_256)]
    [InlineData(PaddingMethod.PSS, HashingAlgorithm.SHA_512)]
    [InlineData(PaddingMethod.PKCS1V1_5, HashingAlgorithm.SHA3_256)]
    public void Rsa_sign_verify_over_data_and_digest(PaddingMethod padding, HashingAlgorithm hash)
    {
        var data = "message to sign"u8.ToArray();
        var p = new SignatureParameters(hash, padding);
        var sig = Signer.Sign(Policy, p, keys.Rsa.PrivateKeyPkcs8, data);
        Assert.Equal(256, sig.Length);
        Assert.True(Signer.Verify(Policy, p, keys.Rsa.PublicKeySpki, data, sig));
        Assert.False(Signer.Verify(Policy, p, keys.Rsa.PublicKeySpki, "other"u8, sig));

        var digest = Hasher.Compute(Policy, hash, data);
        var pre = p with { Prehashed = true };
        Assert.True(Signer.Verify(Policy, pre, keys.Rsa.PublicKeySpki, digest, sig));
        var sig2 = Signer.Sign(Policy, pre, keys.Rsa.PrivateKeyPkcs8, digest);
        Assert.True(Signer.Verify(Policy, p, keys.Rsa.PublicKeySpki, data, sig2));
    }

    [Fact]
    public void Rsa_pkcs1_signature_verifies_with_openssl_and_openssl_signature_verifies_here()
    {
        using var o = new OpenSsl();
        var data = "interop"u8.ToArray();
        var sig = Signer.Sign(Policy, SignatureParameters.From(DigitalSignatureAlgorithm.SHA_256WithRSAEncryption), keys.Rsa.PrivateKeyPkcs8, data);
        o.File("pub.der", keys.Rsa.PublicKeySpki);
        o.File("key.der", keys.Rsa.PrivateKeyPkcs8);
        o.File("data", data);
        o.File("sig", sig);
        Assert.Contains("Verified OK", o.Ok("dgst", "-sha256", "-verify", "pub.der", "-keyform", "DER", "-signature", "sig", "data"));
        o.Ok("dgst", "-sha256", "-sign", "key.der", "-keyform", "DER", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest", "-out", "pss", "data");
        Assert.True(Signer.Verify(Policy, new SignatureParameters(HashingAlgorithm.SHA_256, PaddingMethod.PSS), keys.Rsa.PublicKeySpki, data, o.Read("pss")));
    }

    [Fact]
    public void Rsa_pss_salt_lengths_interoperate_with_openssl()
    {
        using var o = new OpenSsl();
        var data = "pss salt"u8.ToArray();
        o.File("pub.der", keys.Rsa.PublicKeySpki);
        o.File("key.der", keys.Rsa.PrivateKeyPkcs8);
        o.File("data", data);
        var pss = new SignatureParameters(HashingAlgorithm.SHA_256, PaddingMethod.PSS);

        // OpenSSL signs PSS with the largest salt by default (RFC 8017 §9.1.1: emLen - hLen - 2 = 222 for 2048 bits), as in
        // OASIS CS-AC-M-2; with no Salt Length given, Verify accepts it; a fixed 32-byte salt rejects it.
        o.Ok("dgst", "-sha256", "-sign", "key.der", "-keyform", "DER", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:max", "-out", "max", "data");
        Assert.True(Signer.Verify(Policy, pss, keys.Rsa.PublicKeySpki, data, o.Read("max")));
        Assert.True(Signer.Verify(Policy, pss with { SaltLength = 222 }, keys.Rsa.PublicKeySpki, data, o.Read("max")));
        Assert.False(Signer.Verify(Policy, pss with { SaltLength = 32 }, keys.Rsa.PublicKeySpki, data, o.Read("max")));
        Assert.False(Signer.Verify(Policy, pss, keys.Rsa.PublicKeySpki, "other"u8, o.Read("max")));

        // An explicit salt length signs through BouncyCastle; openssl checks it with that exact salt length, over data and over a digest.
        var sig = Signer.Sign(Policy, pss with { SaltLength = 10 }, keys.Rsa.PrivateKeyPkcs8, data);
        o.File("sig10", sig);
        Assert.Contains("Verified OK", o.Ok("dgst", "-sha256", "-verify", "pub.der", "-keyform", "DER", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:10", "-signature", "sig10", "data"));
        Assert.NotEqual(0, o.Run("dgst", "-sha256", "-verify", "pub.der", "-keyform", "DER", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32", "-signature", "sig10", "data").Code);
        var digest = Hasher.Compute(Policy, HashingAlgorithm.SHA_256, data);
        var sigPre = Signer.Sign(Policy, pss with { SaltLength = 0, Prehashed = true }, keys.Rsa.PrivateKeyPkcs8, digest);
        Assert.True(Signer.Verify(Policy, pss with { SaltLength = 0 }, keys.Rsa.PublicKeySpki, data, sigPre));
        o.File("sig0", sigPre);
        Assert.Contains("Verified OK", o.Ok("dgst", "-sha256", "-verify", "pub.der", "-keyform", "DER", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:0", "-signature", "sig0", "data"));
    }

    [Fact]
    public void Ecdsa_p256_der_signature_verifies_with_openssl()
    {
        using var o = new OpenSsl();
        var data = "ecdsa interop"u8.ToArray();
        var sig = Signer.Sign(Policy, SignatureParameters.From(DigitalSignatureAlgorithm.ECDSAWithSHA256), keys.P256.PrivateKeyPkcs8, data);
        Assert.Equal(0x30, sig[0]); // DER SEQUENCE { r, s }
        o.File("pub.der", keys.P256.PublicKeySpki);
        o.File("key.der", keys.P256.PrivateKeyPkcs8);
        o.File("data", data);
        o.File("sig", sig);
        Assert.Contains("Verified OK", o.Ok("dgst", "-sha256", "-verify", "pub.der", "-keyform", "DER", "-signature", "sig", "data"));
        o.Ok("dgst", "-sha256", "-sign", "key.der", "-keyform", "DER", "-out", "osig", "data");
        Assert.True(Signer.Verify(Policy, default, keys.P256.PublicKeySpki, data, o.Read("osig")));
        sig[^1] ^= 1;
        Assert.False(Signer.Verify(Policy, default, keys.P256.PublicKeySpki, data, sig));
    }

    [Fact]
    public void Ed25519_signature_verifies_with_openssl()
    {
        using var o = new OpenSsl();
        var data = "eddsa interop"u8.ToArray();
        var sig = Signer.Sign(Policy, default, keys.Ed25519.PrivateKeyPkcs8, data);
        o.File("pub.der", keys.Ed25519.PublicKeySpki);
        o.File("key.der", keys.Ed25519.PrivateKeyPkcs8);
        o.File("data", data);
        o.File("sig", sig);
        Assert.Contains("Signature Verified Successfully", o.Ok("pkeyutl", "-verify", "-pubin", "-inkey", "pub.der", "-keyform", "DER", "-rawin", "-in", "data", "-sigfile", "sig"));
        o.Ok("pkeyutl", "-sign", "-inkey", "key.der", "-keyform", "DER", "-rawin", "-in", "data", "-out", "osig");
        Assert.Equal(sig, o.Read("osig")); // Ed25519 is deterministic
    }

    [Theory]
    [InlineData(CryptographicAlgorithm.EC, RecommendedCurve.P_384)]
    [InlineData(CryptographicAlgorithm.EC, RecommendedCurve.P_521)]
    [InlineData(CryptographicAlgorithm.EC, RecommendedCurve.SECP256K1)]
    [InlineData(CryptographicAlgorithm.Ed448, (RecommendedCurve)0)]
    [InlineData(KmsAlgorithms.MlDsa44, (RecommendedCurve)0)]
    [InlineData(KmsAlgorithms.MlDsa65, (RecommendedCurve)0)]
    [InlineData(KmsAlgorithms.MlDsa87, (RecommendedCurve)0)]
    [InlineData(KmsAlgorithms.SlhDsaShake_128f, (RecommendedCurve)0)]
    public void Sign_verify_round_trip(CryptographicAlgorithm alg, RecommendedCurve curve)
    {
        var pair = KeyGenerator.GenerateKeyPair(Policy, alg, curve: curve);
        var data = "round trip"u8.ToArray();
        var sig = Signer.Sign(Policy, default, pair.PrivateKeyPkcs8, data);
        Assert.True(Signer.Verify(Policy, default, pair.PublicKeySpki, data, sig));
        Assert.False(Signer.Verify(Policy, default, pair.PublicKeySpki, "tampered"u8, sig));
        Assert.False(Signer.Verify(Policy, default, pair.PublicKeySpki, data, new byte[3]));
    }

    // Cross-check with BouncyCastle's own ML-DSA verifier, fed the raw FIPS 204 public key.
    [Fact]
    public void MlDsa_signature_verifies_with_bouncycastle_from_raw_public_key()
    {
        var pair = KeyGenerator.GenerateKeyPair(Policy, KmsAlgorithms.MlDsa65);
        var raw = KeyFormats.PublicFromSpki(pair.PublicKeySpki, KeyFormatType.Raw);
        Assert.Equal(1952, raw.Length); // FIPS 204 Table 2: ML-DSA-65 public key size
        var data = "pq"u8.ToArray();
        var sig = Signer.Sign(Policy, default, pair.PrivateKeyPkcs8, data);
        Assert.Equal(3309, sig.Length); // FIPS 204 Table 2: ML-DSA-65 signature size
        var v = new MLDsaSigner(MLDsaParameters.ml_dsa_65, deterministic: false);
        v.Init(false, MLDsaPublicKeyParameters.FromEncoding(MLDsaParameters.ml_dsa_65, raw));
        v.BlockUpdate(data, 0, data.Length);
        Assert.True(v.VerifySignature(sig));
    }

    [Fact]
    public void Prehashed_eddsa_is_unsupported_and_wrong_digest_length_is_bad_parameters()
    {
        Assert.Equal(CryptoFailureReason.UnsupportedParameters,
            Assert.Throws<CryptoFailure>(() => Signer.Sign(Policy, new SignatureParameters(Prehashed: true), keys.Ed25519.PrivateKeyPkcs8, new byte[32])).Reason);
        Assert.Equal(CryptoFailureReason.BadParameters,
            Assert.Throws<CryptoFailure>(() => Signer.Sign(Policy, new SignatureParameters(HashingAlgorithm.SHA_256, Prehashed: true), keys.P256.PrivateKeyPkcs8, new byte[20])).Reason);
    }

    [Fact]
    public void X25519_key_cannot_sign()
    {
        var x = KeyGenerator.GenerateKeyPair(Policy, CryptographicAlgorithm.EC, curve: RecommendedCurve.CURVE25519);
        Assert.Equal(KeyKind.X25519, x.Description.Kind);
        Assert.Equal(CryptoFailureReason.IncompatibleKey, Assert.Throws<CryptoFailure>(() => Signer.Sign(Policy, default, x.PrivateKeyPkcs8, "x"u8)).Reason);
    }

    [Fact]
    public void Fips_mode_denies_sha1_signatures_and_secp256k1()
    {
        Assert.Equal(CryptoFailureReason.PolicyDenied, Assert.Throws<CryptoFailure>(() =>
            Signer.Sign(AlgorithmPolicy.Fips, new SignatureParameters(HashingAlgorithm.SHA_1), keys.Rsa.PrivateKeyPkcs8, "x"u8)).Reason);
        Assert.Equal(CryptoFailureReason.PolicyDenied, Assert.Throws<CryptoFailure>(() =>
            KeyGenerator.GenerateKeyPair(AlgorithmPolicy.Fips, CryptographicAlgorithm.EC, curve: RecommendedCurve.SECP256K1)).Reason);
        Assert.Equal(CryptoFailureReason.PolicyDenied, Assert.Throws<CryptoFailure>(() =>
            KeyGenerator.GenerateKeyPair(AlgorithmPolicy.Fips, CryptographicAlgorithm.EC, curve: RecommendedCurve.CURVE25519)).Reason);
    }
}
