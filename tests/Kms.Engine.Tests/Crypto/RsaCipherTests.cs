using Kms.Engine.Crypto;
using Kms.Ttlv;

namespace Kms.Engine.Tests.Crypto;

public class RsaCipherTests(KeyFixture keys) : IClassFixture<KeyFixture>
{
    private static readonly AlgorithmPolicy Policy = AlgorithmPolicy.Default;

    [Theory]
    [InlineData(HashingAlgorithm.SHA_256, HashingAlgorithm.SHA_256, "sha256", "sha256")]
    [InlineData(HashingAlgorithm.SHA_1, HashingAlgorithm.SHA_1, "sha1", "sha1")]
    [InlineData(HashingAlgorithm.SHA_256, HashingAlgorithm.SHA_1, "sha256", "sha1")]
    [InlineData(HashingAlgorithm.SHA_512, HashingAlgorithm.SHA_256, "sha512", "sha256")]
    public void Oaep_interoperates_with_openssl_pkeyutl_both_ways(HashingAlgorithm hash, HashingAlgorithm mgf, string osslMd, string osslMgf)
    {
        using var o = new OpenSsl();
        var p = new RsaEncryptionParameters(PaddingMethod.OAEP, hash, mgf);
        var secret = "a 32-byte data encryption key!!!"u8.ToArray();
        o.File("key.der", keys.Rsa.PrivateKeyPkcs8);
        o.File("pub.der", keys.Rsa.PublicKeySpki);
        o.File("ct", RsaCipher.Encrypt(Policy, p, keys.Rsa.PublicKeySpki, secret));
        o.Ok("pkeyutl", "-decrypt", "-inkey", "key.der", "-keyform", "DER", "-pkeyopt", "rsa_padding_mode:oaep",
            "-pkeyopt", "rsa_oaep_md:" + osslMd, "-pkeyopt", "rsa_mgf1_md:" + osslMgf, "-in", "ct", "-out", "pt");
        Assert.Equal(secret, o.Read("pt"));

        o.File("pt2", secret);
        o.Ok("pkeyutl", "-encrypt", "-pubin", "-inkey", "pub.der", "-keyform", "DER", "-pkeyopt", "rsa_padding_mode:oaep",
            "-pkeyopt", "rsa_oaep_md:" + osslMd, "-pkeyopt", "rsa_mgf1_md:" + osslMgf, "-in", "pt2", "-out", "ct2");
        Assert.Equal(secret, RsaCipher.Decrypt(Policy, p, keys.Rsa.PrivateKeyPkcs8, o.Read("ct2")));
    }

    [Fact]
    public void Oaep_label_from_P_Source_interoperates_with_openssl_and_is_bound()
    {
        // KMIP P Source is the OAEP label L (RFC 8017 §7.1); OASIS CS-AC-M-OAEP-10 uses "Kilroy was here".
        using var o = new OpenSsl();
        var label = "Kilroy was here"u8.ToArray();
        var p = new RsaEncryptionParameters(PaddingMethod.OAEP, HashingAlgorithm.SHA_256, Label: label);
        var secret = "labelled secret"u8.ToArray();
        o.File("key.der", keys.Rsa.PrivateKeyPkcs8);
        o.File("ct", RsaCipher.Encrypt(Policy, p, keys.Rsa.PublicKeySpki, secret));
        o.Ok("pkeyutl", "-decrypt", "-inkey", "key.der", "-keyform", "DER", "-pkeyopt", "rsa_padding_mode:oaep",
            "-pkeyopt", "rsa_oaep_md:sha256", "-pkeyopt", "rsa_oaep_label:" + Convert.ToHexString(label), "-in", "ct", "-out", "pt");
        Assert.Equal(secret, o.Read("pt"));

        var unlabelled = p with { Label = null };
        var e = Assert.Throws<CryptoFailure>(() => RsaCipher.Decrypt(Policy, unlabelled, keys.Rsa.PrivateKeyPkcs8, o.Read("ct")));
        Assert.Equal(CryptoFailureReason.BadPadding, e.Reason);
    }

    [Fact]
    public void Wrong_key_or_corrupted_ciphertext_is_BadPadding()
    {
        var p = new RsaEncryptionParameters(PaddingMethod.OAEP, HashingAlgorithm.SHA_256);
        var ct = RsaCipher.Encrypt(Policy, p, keys.Rsa.PublicKeySpki, "x"u8);
        ct[5] ^= 1;
        var e = Assert.Throws<CryptoFailure>(() => RsaCipher.Decrypt(Policy, p, keys.Rsa.PrivateKeyPkcs8, ct));
        Assert.Equal(CryptoFailureReason.BadPadding, e.Reason);
        Assert.Equal(ResultReason.CryptographicFailure, e.ToResultReason());
        Assert.DoesNotContain("x", e.Message.Replace("xception", "")); // safe fixed text only
    }

    [Fact]
    public void Pkcs1v15_encryption_is_policy_gated()
    {
        var p = new RsaEncryptionParameters(PaddingMethod.PKCS1V1_5);
        var e = Assert.Throws<CryptoFailure>(() => RsaCipher.Encrypt(Policy, p, keys.Rsa.PublicKeySpki, "x"u8));
        Assert.Equal(CryptoFailureReason.PolicyDenied, e.Reason);
        Assert.Contains("PKCS#1 v1.5", e.Message);

        var legacy = new AlgorithmPolicy(AlgorithmPolicyMode.Default, allowRsaPkcs1V15Encryption: true);
        var ct = RsaCipher.Encrypt(legacy, p, keys.Rsa.PublicKeySpki, "legacy"u8);
        Assert.Equal("legacy"u8.ToArray(), RsaCipher.Decrypt(legacy, p, keys.Rsa.PrivateKeyPkcs8, ct));
    }

    [Fact]
    public void Oaep_with_an_ec_key_is_IncompatibleKey()
    {
        var e = Assert.Throws<CryptoFailure>(() => RsaCipher.Encrypt(Policy, default, keys.P256.PublicKeySpki, "x"u8));
        Assert.Equal(CryptoFailureReason.IncompatibleKey, e.Reason);
    }

    [Fact]
    public void Plaintext_too_long_is_BadParameters()
    {
        var e = Assert.Throws<CryptoFailure>(() => RsaCipher.Encrypt(Policy, new RsaEncryptionParameters(PaddingMethod.OAEP, HashingAlgorithm.SHA_256), keys.Rsa.PublicKeySpki, new byte[200]));
        Assert.Equal(CryptoFailureReason.BadParameters, e.Reason);
    }

    [Theory]
    [InlineData(KmsAlgorithms.MlKem512, 768)]
    [InlineData(KmsAlgorithms.MlKem768, 1088)]
    [InlineData(KmsAlgorithms.MlKem1024, 1568)]
    public void MlKem_encapsulate_decapsulate(CryptographicAlgorithm alg, int ctLength)
    {
        var pair = KeyGenerator.GenerateKeyPair(Policy, alg);
        var (ct, ss) = Kem.Encapsulate(Policy, pair.PublicKeySpki);
        Assert.Equal(ctLength, ct.Length); // FIPS 203 Table 3 ciphertext sizes
        Assert.Equal(ss, Kem.Decapsulate(Policy, pair.PrivateKeyPkcs8, ct));
        ct[0] ^= 1;
        Assert.NotEqual(ss, Kem.Decapsulate(Policy, pair.PrivateKeyPkcs8, ct)); // implicit rejection
    }

    // Cross-check with BouncyCastle's own ML-KEM, fed the raw FIPS 203 encapsulation key.
    [Fact]
    public void MlKem_bouncycastle_encapsulation_decapsulates_here()
    {
        var pair = KeyGenerator.GenerateKeyPair(Policy, KmsAlgorithms.MlKem768);
        var raw = KeyFormats.PublicFromSpki(pair.PublicKeySpki, KeyFormatType.Raw);
        var enc = new Org.BouncyCastle.Crypto.Kems.MLKemEncapsulator(Org.BouncyCastle.Crypto.Parameters.MLKemParameters.ml_kem_768);
        enc.Init(Org.BouncyCastle.Crypto.Parameters.MLKemPublicKeyParameters.FromEncoding(Org.BouncyCastle.Crypto.Parameters.MLKemParameters.ml_kem_768, raw));
        var ct = new byte[enc.EncapsulationLength];
        var ss = new byte[enc.SecretLength];
        enc.Encapsulate(ct, ss);
        Assert.Equal(ss, Kem.Decapsulate(Policy, pair.PrivateKeyPkcs8, ct));
    }
}
