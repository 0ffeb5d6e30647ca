using Kms.Engine.Crypto;
using Kms.Ttlv;
using static Kms.Engine.Tests.Crypto.Hex;

namespace Kms.Engine.Tests.Crypto;

public class SymmetricCipherTests
{
    private static readonly AlgorithmPolicy Policy = AlgorithmPolicy.Default;

    // McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)" (the GCM specification submitted to NIST,
    // referenced by SP 800-38D), Test Case 4 (96-bit IV) and Test Case 6 (60-byte IV).
    private const string GcmKey = "feffe9928665731c6d6a8f9467308308";
    private const string GcmPlain = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39";
    private const string GcmAad = "feedfacedeadbeeffeedfacedeadbeefabaddad2";

    [Theory]
    [InlineData("cafebabefacedbaddecaf888",
        "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
        "5bc94fbc3221a5db94fae95ae7121a47")]
    [InlineData("9313225df88406e555909c5aff5269aa6a7a9538534f7da1e4c303d2a318a728c3c0c95156809539fcf0e2429a6b525416aedbf5a0de6a57a637b39b",
        "8ce24998625615b603a033aca13fb894be9112a5c3a211a8ba262a3cca7e2ca701e4a9a4fba43c90ccdcb281d48c7c6fd62875d2aca417034c34aee5",
        "619cc5aefffe0bfa462af43c1699d050")]
    public void AesGcm_known_answer(string iv, string ct, string tagHex)
    {
        var p = new SymmetricParameters(CryptographicAlgorithm.AES, BlockCipherMode.GCM, TagLength: 16);
        var c = new byte[GcmPlain.Length / 2];
        var tag = new byte[16];
        int n = SymmetricCipher.Encrypt(Policy, p, B(GcmKey), B(iv), B(GcmAad), B(GcmPlain), c, tag);
        Assert.Equal(ct, S(c.AsSpan(0, n)));
        Assert.Equal(tagHex, S(tag));

        var back = new byte[c.Length];
        SymmetricCipher.Decrypt(Policy, p, B(GcmKey), B(iv), B(GcmAad), c, tag, back);
        Assert.Equal(GcmPlain, S(back));
    }

    [Fact]
    public void AesGcm_truncated_tag_12_bytes_is_a_prefix_of_the_full_tag()
    {
        var p = new SymmetricParameters(CryptographicAlgorithm.AES, BlockCipherMode.GCM, TagLength: 12);
        var c = new byte[GcmPlain.Length / 2];
        var tag = new byte[12];
        SymmetricCipher.Encrypt(Policy, p, B(GcmKey), B("cafebabefacedbaddecaf888"), B(GcmAad), B(GcmPlain), c, tag);
        Assert.Equal("5bc94fbc3221a5db94fae95a", S(tag));
    }

    [Fact]
    public void AesGcm_bad_tag_is_AuthenticationFailed_and_releases_nothing()
    {
        var p = new SymmetricParameters(CryptographicAlgorithm.AES, BlockCipherMode.GCM);
        var key = RandomSource.Get(32);
        var iv = RandomSource.Get(12);
        var c = new byte[40];
        var tag = new byte[16];
        SymmetricCipher.Encrypt(Policy, p, key, iv, default, new byte[40], c, tag);
        tag[3] ^= 1;
        var back = Enumerable.Repeat((byte)0xAA, 40).ToArray();
        var e = Assert.Throws<CryptoFailure>(() => SymmetricCipher.Decrypt(Policy, p, key, iv, default, c, tag, back));
        Assert.Equal(CryptoFailureReason.AuthenticationFailed, e.Reason);
        Assert.Equal(ResultReason.CryptographicFailure, e.ToResultReason());
        Assert.All(back, b => Assert.Equal(0, b));
    }

    [Fact]
    public void AesGcm_wrong_key_and_wrong_aad_fail_authentication()
    {
        var p = new SymmetricParameters(CryptographicAlgorithm.AES, BlockCipherMode.GCM);
        var key = RandomSource.Get(16);
        var iv = RandomSource.Get(12);
        var c = new byte[5];
        var tag = new byte[16];
        SymmetricCipher.Encrypt(Policy, p, key, iv, "a"u8, "hello"u8, c, tag);
        var back = new byte[5];
        Assert.Equal(CryptoFailureReason.AuthenticationFailed,
            Assert.Throws<CryptoFailure>(() => SymmetricCipher.Decrypt(Policy, p, RandomSource.Get(16), iv, "a"u8, c, tag, back)).Reason);
        Assert.Equal(CryptoFailureReason.AuthenticationFailed,
            Assert.Throws<CryptoFailure>(() => SymmetricCipher.Decrypt(Policy, p, key, iv, "b"u8, c, tag, back)).Reason);
        SymmetricCipher.Decrypt(Policy, p, key, iv, "a"u8, c, tag, back);
        Assert.Equal("hello"u8.ToArray(), back);
    }

    [Theory]
    [InlineData(11)]
    [InlineData(17)]
    public void AesGcm_tag_length_outside_12_to_16_is_BadTagLength(int tagLength)
    {
        var p = new SymmetricParameters(CryptographicAlgorithm.AES, BlockCipherMode.GCM, TagLength: tagLength);
        var e = Assert.Throws<CryptoFailure>(() => SymmetricCipher.Encrypt(Policy, p, new byte[16], new byte[12], default, new byte[1], new byte[1], new byte[tagLength]));
        Assert.Equal(CryptoFailureReason.BadTagLength, e.Reason);
    }

    [Fact]
    public void AesGcm_missing_nonce_is_MissingIv()
    {
        var p = new SymmetricParameters(CryptographicAlgorithm.AES, BlockCipherMode.GCM);
        var e = Assert.Throws<CryptoFailure>(() => SymmetricCipher.Encrypt(Policy, p, new byte[16], default, default, new byte[1], new byte[1], new byte[16]));
        Assert.Equal(ResultReason.MissingInitializationVector, e.ToResultReason());
    }

    // RFC 8439 §2.8.2 AEAD_CHACHA20_POLY1305 test vector.
    [Fact]
    public void ChaCha20Poly1305_rfc8439_2_8_2()
    {
        var key = B("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
        var nonce = B("070000004041424344454647");
        var aad = B("50515253c0c1c2c3c4c5c6c7");
        var plain = "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it."u8;
        var p = new SymmetricParameters(CryptographicAlgorithm.ChaCha20Poly1305, BlockCipherMode.AEAD);
        var c = new byte[plain.Length];
        var tag = new byte[16];
        SymmetricCipher.Encrypt(Policy, p, key, nonce, aad, plain, c, tag);
        Assert.Equal("d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116", S(c));
        Assert.Equal("1ae10b594f09e26a7e902ecbd0600691", S(tag));
    }

    // NIST SP 800-38A Appendix F: F.1.1 ECB-AES128, F.2.1 CBC-AES128, F.5.1 CTR-AES128 (Encrypt).
    private const string A38Key = "2b7e151628aed2a6abf7158809cf4f3c";
    private const string A38Plain = "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710";

    [Theory]
    [InlineData(BlockCipherMode.ECB, "", "3ad77bb40d7a3660a89ecaf32466ef97f5d3d58503b9699de785895a96fdbaaf43b1cd7f598ece23881b00e3ed0306887b0c785e27e8ad3f8223207104725dd4")]
    [InlineData(BlockCipherMode.CBC, "000102030405060708090a0b0c0d0e0f", "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b273bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7")]
    [InlineData(BlockCipherMode.CTR, "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff", "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee")]
    public void Sp800_38a_known_answers(BlockCipherMode mode, string iv, string expected)
    {
        var p = new SymmetricParameters(CryptographicAlgorithm.AES, mode, PaddingMethod.None);
        var c = new byte[64];
        int n = SymmetricCipher.Encrypt(Policy, p, B(A38Key), B(iv), default, B(A38Plain), c, default);
        Assert.Equal(expected, S(c.AsSpan(0, n)));
        var back = new byte[64];
        n = SymmetricCipher.Decrypt(Policy, p, B(A38Key), B(iv), default, c, default, back);
        Assert.Equal(A38Plain, S(back.AsSpan(0, n)));
    }

    [Fact]
    public void Cbc_pkcs5_pads_a_full_block_and_rejects_bad_padding()
    {
        var p = new SymmetricParameters(CryptographicAlgorithm.AES, BlockCipherMode.CBC, PaddingMethod.PKCS5);
        var key = RandomSource.Get(32);
        var iv = RandomSource.Get(16);
        Assert.Equal(32, SymmetricCipher.GetCiphertextLength(p, 16));
        var c = new byte[32];
        SymmetricCipher.Encrypt(Policy, p, key, iv, default, new byte[16], c, default);
        var back = new byte[32];
        Assert.Equal(16, SymmetricCipher.Decrypt(Policy, p, key, iv, default, c, default, back));

        // Decrypt with a different key: the last block decrypts to garbage, so the padding check fails.
        int badPadding = 0;
        for (int i = 0; i < 8; i++)
        {
            try { SymmetricCipher.Decrypt(Policy, p, RandomSource.Get(32), iv, default, c, default, back); }
            catch (CryptoFailure e) when (e.Reason == CryptoFailureReason.BadPadding)
            {
                Assert.Equal(ResultReason.CryptographicFailure, e.ToResultReason());
                badPadding++;
            }
        }
        Assert.True(badPadding >= 6, $"expected most wrong-key decryptions to fail the padding check, got {badPadding}/8");
    }

    [Fact]
    public void Cbc_without_padding_rejects_a_partial_block()
    {
        var p = new SymmetricParameters(CryptographicAlgorithm.AES, BlockCipherMode.CBC, PaddingMethod.None);
        var e = Assert.Throws<CryptoFailure>(() => SymmetricCipher.Encrypt(Policy, p, new byte[16], new byte[16], default, new byte[15], new byte[16], default));
        Assert.Equal(CryptoFailureReason.BadParameters, e.Reason);
    }

    // IEEE Std 1619-2007 Annex B, XTS-AES-128 applied for a data unit of 32 bytes, Vector 2.
    [Fact]
    public void Xts_ieee1619_vector2()
    {
        var key = B("1111111111111111111111111111111122222222222222222222222222222222");
        var tweak = B("33333333330000000000000000000000");
        var p = new SymmetricParameters(CryptographicAlgorithm.AES, BlockCipherMode.XTS);
        var c = new byte[32];
        SymmetricCipher.Encrypt(Policy, p, key, tweak, default, Enumerable.Repeat((byte)0x44, 32).ToArray(), c, default);
        Assert.Equal("c454185e6a16936e39334038acef838bfb186fff7480adc4289382ecd6d394f0", S(c));
    }

    // Ciphertext stealing (lengths not a multiple of 16). Expected values computed with an independent
    // implementation: pyca/cryptography 48 (OpenSSL 3) AES-XTS, same key/tweak/plaintext.
    [Theory]
    [InlineData("1111111111111111111111111111111122222222222222222222222222222222", "33333333330000000000000000000000", 37,
        "58f8279aa06f04b7a124bcc6f054855ab8c13659d1a945f2b45376d398c9bdf90e8d57ae9d")]
    [InlineData("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f",
        "00000000000000000000000000000001", 100,
        "7ee0733a71eb45c74a7d7a9d7ee911b94defed97a2f4b5f235fba510fed7748e387d3d6de85066ea21b7297b0b94cc16302ceedfebe1dba596b22a821ef1aebd114c3183cab0f6bb792b1ab2a795a4240f74ada800d968ce229663bc2decf0370990b326")]
    public void Xts_ciphertext_stealing_matches_openssl(string key, string tweak, int length, string expected)
    {
        var plain = Enumerable.Range(0, length).Select(i => (byte)i).ToArray();
        var p = new SymmetricParameters(CryptographicAlgorithm.AES, BlockCipherMode.XTS);
        var c = new byte[length];
        SymmetricCipher.Encrypt(Policy, p, B(key), B(tweak), default, plain, c, default);
        Assert.Equal(expected, S(c));
        var back = new byte[length];
        SymmetricCipher.Decrypt(Policy, p, B(key), B(tweak), default, c, default, back);
        Assert.Equal(plain, back);
    }

    [Fact]
    public void AesCcm_round_trip_and_bad_tag()
    {
        var p = new SymmetricParameters(CryptographicAlgorithm.AES, BlockCipherMode.CCM, TagLength: 8);
        var key = RandomSource.Get(16);
        var nonce = RandomSource.Get(12);
        var c = new byte[10];
        var tag = new byte[8];
        SymmetricCipher.Encrypt(Policy, p, key, nonce, "x"u8, "0123456789"u8, c, tag);
        var back = new byte[10];
        SymmetricCipher.Decrypt(Policy, p, key, nonce, "x"u8, c, tag, back);
        Assert.Equal("0123456789"u8.ToArray(), back);
        tag[0] ^= 0x80;
        Assert.Equal(CryptoFailureReason.AuthenticationFailed,
            Assert.Throws<CryptoFailure>(() => SymmetricCipher.Decrypt(Policy, p, key, nonce, "x"u8, c, tag, back)).Reason);
    }

    [Fact]
    public void TripleDes_is_denied_by_default_and_allowed_when_enabled()
    {
        var p = new SymmetricParameters(CryptographicAlgorithm.DES3, BlockCipherMode.CBC, PaddingMethod.PKCS5);
        var e = Assert.Throws<CryptoFailure>(() => KeyGenerator.GenerateSymmetric(Policy, CryptographicAlgorithm.DES3, 192));
        Assert.Equal(CryptoFailureReason.PolicyDenied, e.Reason);
        Assert.Equal(ResultReason.PermissionDenied, e.ToResultReason());
        Assert.Throws<CryptoFailure>(() => SymmetricCipher.Encrypt(Policy, p, new byte[24], new byte[8], default, new byte[3], new byte[8], default));

        var legacy = new AlgorithmPolicy(AlgorithmPolicyMode.Default, allowTripleDes: true);
        var key = KeyGenerator.GenerateSymmetric(legacy, CryptographicAlgorithm.DES3, 192);
        var iv = RandomSource.Get(8);
        var c = new byte[8];
        SymmetricCipher.Encrypt(legacy, p, key, iv, default, "abc"u8, c, default);
        var back = new byte[8];
        int n = SymmetricCipher.Decrypt(legacy, p, key, iv, default, c, default, back);
        Assert.Equal("abc"u8.ToArray(), back.AsSpan(0, n).ToArray());
        Assert.Throws<CryptoFailure>(() => new AlgorithmPolicy(AlgorithmPolicyMode.Fips, allowTripleDes: true)
            .Check(new AlgorithmUse(CryptoUse.Encrypt, CryptographicAlgorithm.DES3, 192)));
    }

    [Fact]
    public void Wrong_key_length_is_InvalidKey()
    {
        var p = new SymmetricParameters(CryptographicAlgorithm.AES, BlockCipherMode.GCM);
        var e = Assert.Throws<CryptoFailure>(() => SymmetricCipher.Encrypt(Policy, p, new byte[15], new byte[12], default, new byte[1], new byte[1], new byte[16]));
        Assert.Equal(CryptoFailureReason.PolicyDenied, e.Reason); // 120-bit AES is refused by the policy before the cipher sees it
        var x = new SymmetricParameters(CryptographicAlgorithm.ChaCha20Poly1305, BlockCipherMode.AEAD);
        Assert.Equal(CryptoFailureReason.InvalidKey,
            Assert.Throws<CryptoFailure>(() => SymmetricCipher.Encrypt(Policy, x, new byte[16], new byte[12], default, new byte[1], new byte[1], new byte[16])).Reason);
    }

    // The per-thread AES-GCM context cache must never serve a context keyed with another key: keys that differ in any one
    // bit of any byte, or in length, give the ciphertext of a fresh context.
    [Theory]
    [InlineData(16)]
    [InlineData(24)]
    [InlineData(32)]
    public void AesGcm_context_cache_tells_apart_keys_differing_in_one_bit(int keyLength)
    {
        var p = new SymmetricParameters(CryptographicAlgorithm.AES, BlockCipherMode.GCM);
        var key = RandomSource.Get(keyLength);
        var iv = RandomSource.Get(12);
        var plain = RandomSource.Get(40);
        var c = new byte[40];
        var tag = new byte[16];
        var expected = new byte[40];
        var expectedTag = new byte[16];
        for (int i = 0; i < keyLength; i++)
        {
            SymmetricCipher.Encrypt(Policy, p, key, iv, default, plain, c, tag); // the cache now holds key
            var other = key.ToArray();
            other[i] ^= (byte)(1 << (i % 8));
            Assert.False(AesGcmCache.SameKey(key, other));
            Assert.True(AesGcmCache.SameKey(key, key.ToArray()));
            SymmetricCipher.Encrypt(Policy, p, other, iv, default, plain, c, tag);
            using (var fresh = new System.Security.Cryptography.AesGcm(other, 16)) fresh.Encrypt(iv, plain, expected, expectedTag);
            Assert.Equal(expected, c);
            Assert.Equal(expectedTag, tag);
        }
        Assert.False(AesGcmCache.SameKey(key, key.AsSpan(0, 8)));
    }

    // Allocation budget of the hot path (issue 4: 0 B per call beyond the output). Measured on this thread
    // after a warm-up call, which fills the per-thread AES-GCM context cache.
    [Fact]
    public void AesGcm_encrypt_and_decrypt_allocate_nothing_in_steady_state()
    {
        var p = new SymmetricParameters(CryptographicAlgorithm.AES, BlockCipherMode.GCM);
        var key = RandomSource.Get(32);
        var iv = RandomSource.Get(12);
        var plain = RandomSource.Get(4096);
        var c = new byte[4096];
        var back = new byte[4096];
        var tag = new byte[16];
        SymmetricCipher.Encrypt(Policy, p, key, iv, default, plain, c, tag);
        SymmetricCipher.Decrypt(Policy, p, key, iv, default, c, tag, back);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            SymmetricCipher.Encrypt(Policy, p, key, iv, default, plain, c, tag);
            SymmetricCipher.Decrypt(Policy, p, key, iv, default, c, tag, back);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(plain, back);
    }

    // A thread serving requests for a few keys in turn keeps one context per key (up to AesGcmCache.Ways): no new
    // context, so no allocation, when the keys alternate; a key beyond that replaces the oldest and still encrypts right.
    [Fact]
    public void AesGcm_context_cache_keeps_several_keys_per_thread()
    {
        var p = new SymmetricParameters(CryptographicAlgorithm.AES, BlockCipherMode.GCM);
        var keys = Enumerable.Range(0, AesGcmCache.Ways).Select(_ => RandomSource.Get(32)).ToArray();
        var iv = RandomSource.Get(12);
        var plain = RandomSource.Get(64);
        var c = new byte[64];
        var tag = new byte[16];
        foreach (var k in keys) SymmetricCipher.Encrypt(Policy, p, k, iv, default, plain, c, tag);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++) SymmetricCipher.Encrypt(Policy, p, keys[i % keys.Length], iv, default, plain, c, tag);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        var expected = new byte[64];
        var expectedTag = new byte[16];
        foreach (var k in keys.Append(RandomSource.Get(32)).Append(keys[0]))
        {
            SymmetricCipher.Encrypt(Policy, p, k, iv, default, plain, c, tag);
            using (var fresh = new System.Security.Cryptography.AesGcm(k, 16)) fresh.Encrypt(iv, plain, expected, expectedTag);
            Assert.Equal(expected, c);
            Assert.Equal(expectedTag, tag);
        }
    }
}
