using System.Text;
using Kms.Engine.Crypto;
using Kms.Ttlv;
using static Kms.Engine.Tests.Crypto.Hex;

namespace Kms.Engine.Tests.Crypto;

public class MacHashKdfTests
{
    private static readonly AlgorithmPolicy Policy = AlgorithmPolicy.Default;

    // RFC 4231 §4.2 (Test Case 1) and §4.3 (Test Case 2).
    [Theory]
    [InlineData(CryptographicAlgorithm.HMAC_SHA224, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "Hi There", "896fb1128abbdf196832107cd49df33f47b4b1169912ba4f53684b22")]
    [InlineData(CryptographicAlgorithm.HMAC_SHA256, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "Hi There", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")]
    [InlineData(CryptographicAlgorithm.HMAC_SHA384, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "Hi There", "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6")]
    [InlineData(CryptographicAlgorithm.HMAC_SHA512, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "Hi There", "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854")]
    [InlineData(CryptographicAlgorithm.HMAC_SHA256, "4a656665", "what do ya want for nothing?", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")]
    public void Hmac_rfc4231(CryptographicAlgorithm alg, string key, string data, string expected)
    {
        var mac = MacCalculator.Compute(Policy, alg, B(key), Encoding.ASCII.GetBytes(data));
        Assert.Equal(expected, S(mac));
        Assert.True(MacCalculator.Verify(Policy, alg, B(key), Encoding.ASCII.GetBytes(data), mac));
        mac[^1] ^= 1;
        Assert.False(MacCalculator.Verify(Policy, alg, B(key), Encoding.ASCII.GetBytes(data), mac));
        Assert.False(MacCalculator.Verify(Policy, alg, B(key), Encoding.ASCII.GetBytes(data), mac.AsSpan(0, mac.Length - 1)));
    }

    // RFC 4493 §4 AES-CMAC examples 1, 2 and 4 (key 2b7e1516...).
    [Theory]
    [InlineData("", "bb1d6929e95937287fa37d129b756746")]
    [InlineData("6bc1bee22e409f96e93d7e117393172a", "070a16b46b4d4144f79bdd9dd04a287c")]
    [InlineData("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710", "51f0bebf7e3b9d92fc49741779363cfe")]
    public void AesCmac_rfc4493(string msg, string expected)
    {
        var key = B("2b7e151628aed2a6abf7158809cf4f3c");
        var mac = MacCalculator.Compute(Policy, CryptographicAlgorithm.AES, key, B(msg));
        Assert.Equal(expected, S(mac));
        Assert.True(MacCalculator.Verify(Policy, CryptographicAlgorithm.AES, key, B(msg), mac));
    }

    // NIST FIPS 202 / SHA-3 and FIPS 180-4 example values for the message "abc" (NIST CSRC "Examples with intermediate values").
    [Theory]
    [InlineData(HashingAlgorithm.SHA3_224, "e642824c3f8cf24ad09234ee7d3c766fc9a3a5168d0c94ad73b46fdf")]
    [InlineData(HashingAlgorithm.SHA3_256, "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532")]
    [InlineData(HashingAlgorithm.SHA3_384, "ec01498288516fc926459f58e2c6ad8df9b473cb0fc08c2596da7cf0e49be4b298d88cea927ac7f539f1edf228376d25")]
    [InlineData(HashingAlgorithm.SHA3_512, "b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e10e116e9192af3c91a7ec57647e3934057340b4cf408d5a56592f8274eec53f0")]
    [InlineData(HashingAlgorithm.SHA_224, "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7")]
    [InlineData(HashingAlgorithm.SHA_256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [InlineData(HashingAlgorithm.SHA_512_256, "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23")]
    [InlineData(HashingAlgorithm.SHA_1, "a9993e364706816aba3e25717850c26c9cd0d89d")]
    public void Hash_abc(HashingAlgorithm h, string expected)
    {
        Assert.Equal(expected, S(Hasher.Compute(Policy, h, "abc"u8)));
    }

    [Fact]
    public void Md5_is_denied_by_policy()
    {
        var e = Assert.Throws<CryptoFailure>(() => Hasher.Compute(Policy, HashingAlgorithm.MD5, "abc"u8));
        Assert.Equal(CryptoFailureReason.PolicyDenied, e.Reason);
    }

    // RFC 5869 Appendix A.1 (Test Case 1, SHA-256) and A.4 (Test Case 4, SHA-1).
    [Fact]
    public void Hkdf_rfc5869()
    {
        var okm = KeyDerivation.Hkdf(Policy, HashingAlgorithm.SHA_256, B("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"), B("000102030405060708090a0b0c"), B("f0f1f2f3f4f5f6f7f8f9"), 42);
        Assert.Equal("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865", S(okm));
        var okm4 = KeyDerivation.Hkdf(Policy, HashingAlgorithm.SHA_1, B("0b0b0b0b0b0b0b0b0b0b0b"), B("000102030405060708090a0b0c"), B("f0f1f2f3f4f5f6f7f8f9"), 42);
        Assert.Equal("085a01ea1b10f36933068b56efa5ad81a4f14b822f5b091568a9cdd4f155fda2c22e422478d305f3f896", S(okm4));
    }

    // RFC 6070 §2 PBKDF2-HMAC-SHA1 test vectors (c = 1, c = 4096).
    [Theory]
    [InlineData(1, "0c60c80f961f0e71f3a9b524af6012062fe037a6")]
    [InlineData(4096, "4b007901b765489abead49d926f721d065a429c1")]
    public void Pbkdf2_rfc6070(int iterations, string expected)
    {
        Assert.Equal(expected, S(KeyDerivation.Pbkdf2(Policy, HashingAlgorithm.SHA_1, "password"u8, "salt"u8, iterations, 20)));
    }

    [Fact]
    public void Pbkdf2_in_fips_mode_needs_sp800_132_parameters()
    {
        var e = Assert.Throws<CryptoFailure>(() => KeyDerivation.Pbkdf2(AlgorithmPolicy.Fips, HashingAlgorithm.SHA_256, "password"u8, "salt"u8, 1, 32));
        Assert.Equal(CryptoFailureReason.PolicyDenied, e.Reason);
        Assert.Equal(32, KeyDerivation.Pbkdf2(AlgorithmPolicy.Fips, HashingAlgorithm.SHA_256, "password"u8, new byte[16], 1000, 32).Length);
    }

    [Fact]
    public void Pbkdf2_sha3_uses_bouncycastle_and_matches_openssl()
    {
        var dk = KeyDerivation.Pbkdf2(Policy, HashingAlgorithm.SHA3_256, "password"u8, "saltsalt"u8, 10, 32);
        using var o = new OpenSsl();
        var hex = o.Ok("kdf", "-keylen", "32", "-kdfopt", "digest:SHA3-256", "-kdfopt", "pass:password", "-kdfopt", "salt:saltsalt", "-kdfopt", "iter:10", "PBKDF2");
        Assert.Equal(hex.Trim().Replace(":", "").ToLowerInvariant(), S(dk));
    }

    [Fact]
    public void Nonces_are_distinct_across_block_refills_and_sizes()
    {
        // 1 KiB blocks: 300 nonces of 12, 16 and 13 bytes cross several refills, and a large request bypasses the block.
        var seen = new HashSet<string>();
        for (int i = 0; i < 300; i++)
        {
            var nonce = new byte[(i % 3) switch { 0 => 12, 1 => 16, _ => 13 }];
            RandomSource.FillNonce(nonce);
            Assert.True(seen.Add(Convert.ToHexString(nonce)));
            Assert.NotEqual(new byte[nonce.Length], nonce);
        }
        var large = new byte[4096];
        RandomSource.FillNonce(large);
        Assert.True(large.Count(b => b == 0) < 100);
    }

    [Fact]
    public void Random_bytes_are_bounded_and_distinct()
    {
        Assert.NotEqual(RandomSource.Get(32), RandomSource.Get(32));
        Assert.Equal(CryptoFailureReason.BadParameters, Assert.Throws<CryptoFailure>(() => RandomSource.Get(0)).Reason);
        Assert.Equal(CryptoFailureReason.BadParameters, Assert.Throws<CryptoFailure>(() => RandomSource.Get(2 << 20)).Reason);
    }
}
