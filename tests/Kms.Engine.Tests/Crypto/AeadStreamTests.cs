using FsCheck.Xunit;
using Kms.Engine.Crypto;
using Kms.Ttlv;
using static Kms.Engine.Tests.Crypto.Hex;

namespace Kms.Engine.Tests.Crypto;

/// <summary>Plain ChaCha20, truncated ChaCha20-Poly1305 tags and multi-part AEAD (<see cref="AeadStream"/>) against published vectors.</summary>
public class AeadStreamTests
{
    private static readonly AlgorithmPolicy Policy = AlgorithmPolicy.Default;
    private static readonly SymmetricParameters ChaChaPoly = new(CryptographicAlgorithm.ChaCha20Poly1305, BlockCipherMode.AEAD);
    private static readonly SymmetricParameters Gcm = new(CryptographicAlgorithm.AES, BlockCipherMode.GCM);

    // RFC 8439 §2.8.2.
    private static readonly byte[] PolyKey = B("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
    private static readonly byte[] PolyNonce = B("070000004041424344454647");
    private static readonly byte[] PolyAad = B("50515253c0c1c2c3c4c5c6c7");
    private static readonly byte[] PolyPlain = "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it."u8.ToArray();
    private const string PolyCipher = "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116";
    private const string PolyTag = "1ae10b594f09e26a7e902ecbd0600691";

    // NIST GCM specification (McGrew & Viega), Test Case 4 (96-bit IV) and Test Case 5 (64-bit IV), AES-128.
    private static readonly byte[] GcmKey = B("feffe9928665731c6d6a8f9467308308");
    private static readonly byte[] GcmPlain = B("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39");
    private static readonly byte[] GcmAad = B("feedfacedeadbeeffeedfacedeadbeefabaddad2");

    [Theory]
    // RFC 8439 §2.4.2: key 00..1f, nonce 000000000000004a00000000, initial counter 1 ("sunscreen"); with the 16-byte
    // OpenSSL form the counter 1 travels in the first four bytes (little-endian).
    [InlineData("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "01000000000000000000004a00000000",
        "4c616469657320616e642047656e746c656d656e206f662074686520636c617373206f66202739393a204966204920636f756c64206f6666657220796f75206f6e6c79206f6e652074697020666f7220746865206675747572652c2073756e73637265656e20776f756c642062652069742e",
        "6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0bf91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d807ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab77937365af90bbf74a35be6b40b8eedf2785e42874d")]
    // RFC 8439 Appendix A.1 Test Vector #1: zero key, zero 96-bit nonce, counter 0.
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000", "000000000000000000000000",
        "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        "76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586")]
    // Original ChaCha20 with a 64-bit nonce and a 64-bit counter from 0: the vectors of OASIS CS-BC-M-CHACHA20-2 and -3 (KMIP 2.1 profiles test cases).
    [InlineData("0000000000000000000000000000000000000000000000000000000000000001", "0000000000000000",
        "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        "4540f05a9f1fb296d7736e7b208e3c96eb4fe1834688d2604f450952ed432d41bbe2a0b6ea7566d2a5d1e7e20d42af2c53d792b1c43fea817e9ad275ae546963")]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000", "0000000000000001",
        "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        "de9cba7bf3d69ef5e786dc63973f653a0b49e015adbff7134fcb7df137821031e85a050278a7084527214f73efc7fa5b5277062eb7a0433e445f41e3")]
    public void ChaCha20_known_answers(string key, string iv, string plain, string cipher)
    {
        var p = new SymmetricParameters(CryptographicAlgorithm.ChaCha20, 0);
        var c = new byte[plain.Length / 2];
        SymmetricCipher.Encrypt(Policy, p, B(key), B(iv), default, B(plain), c, default);
        Assert.Equal(cipher, S(c));
        var back = new byte[c.Length];
        SymmetricCipher.Decrypt(Policy, p, B(key), B(iv), default, c, default, back);
        Assert.Equal(plain, S(back));
    }

    [Fact]
    public void ChaCha20_16_byte_iv_matches_openssl_enc()
    {
        using var o = new OpenSsl();
        var key = RandomSource.Get(32);
        var iv = RandomSource.Get(16);
        iv[3] = 0; // keep the 32-bit block counter away from its end
        var data = RandomSource.Get(300);
        o.File("plain", data);
        o.Ok("enc", "-chacha20", "-K", Convert.ToHexString(key), "-iv", Convert.ToHexString(iv), "-in", "plain", "-out", "cipher");
        var c = new byte[data.Length];
        SymmetricCipher.Encrypt(Policy, new SymmetricParameters(CryptographicAlgorithm.ChaCha20, 0), key, iv, default, data, c, default);
        Assert.Equal(o.Read("cipher"), c);
    }

    [Fact]
    public void ChaCha20_bad_nonce_length_is_BadParameters()
    {
        var e = Assert.Throws<CryptoFailure>(() => SymmetricCipher.Encrypt(Policy, new SymmetricParameters(CryptographicAlgorithm.ChaCha20, 0), new byte[32], new byte[10], default, new byte[5], new byte[5], default));
        Assert.Equal(CryptoFailureReason.BadParameters, e.Reason);
    }

    [Fact]
    public void ChaCha20Poly1305_truncated_tag_rfc8439_2_8_2()
    {
        // OASIS CS-BC-M-CHACHA20POLY1305-1 step 6: the first 12 bytes of the RFC 8439 §2.8.2 tag authenticate.
        var plain = new byte[PolyPlain.Length];
        SymmetricCipher.Decrypt(Policy, ChaChaPoly with { TagLength = 12 }, PolyKey, PolyNonce, PolyAad, B(PolyCipher), B(PolyTag)[..12], plain);
        Assert.Equal(PolyPlain, plain);
        var t = new byte[12];
        SymmetricCipher.Encrypt(Policy, ChaChaPoly with { TagLength = 12 }, PolyKey, PolyNonce, PolyAad, PolyPlain, new byte[PolyPlain.Length], t);
        Assert.Equal(PolyTag[..24], S(t));

        var bad = B(PolyTag)[..12];
        bad[11] ^= 1;
        var e = Assert.Throws<CryptoFailure>(() => SymmetricCipher.Decrypt(Policy, ChaChaPoly with { TagLength = 12 }, PolyKey, PolyNonce, PolyAad, B(PolyCipher), bad, plain));
        Assert.Equal(CryptoFailureReason.AuthenticationFailed, e.Reason);
        Assert.All(plain, b => Assert.Equal(0, b));
        Assert.Equal(CryptoFailureReason.BadTagLength, Assert.Throws<CryptoFailure>(() =>
            SymmetricCipher.Decrypt(Policy, ChaChaPoly, PolyKey, PolyNonce, PolyAad, B(PolyCipher), B(PolyTag)[..8], plain)).Reason);
    }

    [Theory]
    [InlineData("cafebabefacedbaddecaf888", "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091", "5bc94fbc3221a5db94fae95ae7121a47")]
    [InlineData("cafebabefacedbad", "61353b4c2806934a777ff51fa22a4755699b2a714fcdc6f83766e5f97b6c742373806900e49f24b22b097544d4896b424989b5e1ebac0f07c23f4598", "3612d2e79e3b0785561be14aaca2fccb")]
    public void Gcm_multi_part_nist_test_cases_4_and_5(string iv, string cipher, string tag)
    {
        foreach (int[] cuts in new[] { new[] { 32 }, new[] { 1, 17, 40 }, new[] { 0, 60 }, Array.Empty<int>() })
        {
            var s = AeadStream.Begin(Policy, Gcm, true, GcmKey, B(iv), GcmAad);
            var (ct, t) = Run(s, GcmKey, GcmPlain, cuts, 16);
            Assert.Equal(cipher, S(ct));
            Assert.Equal(tag, S(t));

            var d = AeadStream.Begin(Policy, Gcm, false, GcmKey, B(iv), GcmAad);
            var (pt, _) = Run(d, GcmKey, ct, cuts, 16, B(tag));
            Assert.Equal(GcmPlain, pt);
        }
    }

    [Fact]
    public void ChaCha20Poly1305_multi_part_rfc8439_2_8_2()
    {
        var s = AeadStream.Begin(Policy, ChaChaPoly, true, PolyKey, PolyNonce, PolyAad);
        var (ct, t) = Run(s, PolyKey, PolyPlain, [5, 64, 65, 100], 16);
        Assert.Equal(PolyCipher, S(ct));
        Assert.Equal(PolyTag, S(t));
        var d = AeadStream.Begin(Policy, ChaChaPoly, false, PolyKey, PolyNonce, PolyAad);
        Assert.Equal(PolyPlain, Run(d, PolyKey, ct, [3, 90], 16, B(PolyTag)).Output);
    }

    [Fact]
    public void Multi_part_decrypt_releases_nothing_before_the_tag_and_nothing_on_a_bad_tag()
    {
        var d = AeadStream.Begin(Policy, ChaChaPoly, false, PolyKey, PolyNonce, PolyAad);
        var part = new byte[64];
        Assert.Equal(0, d.Update(PolyKey, B(PolyCipher)[..64], part));
        var bad = B(PolyTag);
        bad[0] ^= 0x80;
        var output = new byte[d.GetFinalOutputLength(PolyPlain.Length - 64)];
        var e = Assert.Throws<CryptoFailure>(() => d.Final(Policy, PolyKey, B(PolyCipher)[64..], output, bad));
        Assert.Equal(CryptoFailureReason.AuthenticationFailed, e.Reason);
        Assert.All(output, b => Assert.Equal(0, b));
        Assert.True(d.IsFinished);
        Assert.Equal(CryptoFailureReason.InvalidContext, Assert.Throws<CryptoFailure>(() => d.Update(PolyKey, part, part)).Reason);
    }

    [Fact]
    public void Multi_part_decrypt_is_bounded()
    {
        var d = AeadStream.Begin(Policy, Gcm, false, GcmKey, new byte[12], default);
        d.Update(GcmKey, new byte[AeadStream.MaxDecryptBytes], []);
        var e = Assert.Throws<CryptoFailure>(() => d.Update(GcmKey, new byte[1], []));
        Assert.Equal(CryptoFailureReason.BadParameters, e.Reason);
        Assert.True(d.IsFinished);
    }

    /// <summary>The carry-less-multiply GHASH product equals the portable SP 800-38D Algorithm 1 product.</summary>
    [Property(MaxTest = 300)]
    public bool Clmul_gf_multiply_matches_the_portable_one(ulong a, ulong b, ulong c, ulong d)
    {
        if (!System.Runtime.Intrinsics.X86.Pclmulqdq.IsSupported) return true;
        var x = new UInt128(a, b);
        var y = new UInt128(c, d);
        return AeadMac.GfMultiplyClmul(x, y) == AeadMac.GfMultiply(x, y);
    }

    /// <summary>For any data, AAD, nonce length (GHASH-derived J0 when not 96 bits), tag length and split, multi-part = one-shot.</summary>
    [Property(MaxTest = 100)]
    public bool Any_split_matches_one_shot(byte[]? data, byte[]? aad, byte[]? cutSeeds, byte ivSeed, byte tagSeed, bool chacha)
    {
        data ??= [];
        aad ??= [];
        var p = (chacha ? ChaChaPoly : Gcm) with { TagLength = 12 + tagSeed % 5 };
        var key = RandomSource.Get(chacha ? 32 : 16);
        var iv = RandomSource.Get(chacha ? 12 : 1 + ivSeed % 40);
        var expected = new byte[data.Length];
        var expectedTag = new byte[p.TagLength];
        SymmetricCipher.Encrypt(Policy, p, key, iv, aad, data, expected, expectedTag);
        var cuts = (cutSeeds ?? []).Select(s => data.Length == 0 ? 0 : s % (data.Length + 1)).Order().ToArray();
        var (ct, tag) = Run(AeadStream.Begin(Policy, p, true, key, iv, aad), key, data, cuts, p.TagLength);
        var (pt, _) = Run(AeadStream.Begin(Policy, p, false, key, iv, aad), key, ct, cuts, p.TagLength, tag);
        return ct.AsSpan().SequenceEqual(expected) && tag.AsSpan().SequenceEqual(expectedTag) && pt.AsSpan().SequenceEqual(data);
    }

    private static (byte[] Output, byte[] Tag) Run(AeadStream s, byte[] key, byte[] data, int[] cuts, int tagLength, byte[]? tagIn = null)
    {
        var output = new List<byte>();
        int at = 0;
        foreach (int cut in cuts)
        {
            var part = data.AsSpan(at, cut - at);
            var o = new byte[s.GetUpdateOutputLength(part.Length)];
            output.AddRange(o.AsSpan(0, s.Update(key, part, o)).ToArray());
            at = cut;
        }
        var last = new byte[s.GetFinalOutputLength(data.Length - at)];
        var tag = tagIn ?? new byte[tagLength];
        int n = s.Final(Policy, key, data.AsSpan(at), last, tag);
        output.AddRange(last.AsSpan(0, n).ToArray());
        return ([.. output], tag);
    }
}
