using Kms.Engine.Crypto;
using Kms.Ttlv;
using static Kms.Engine.Tests.Crypto.Hex;

namespace Kms.Engine.Tests.Crypto;

public class KeyWrapperTests(KeyFixture keys) : IClassFixture<KeyFixture>
{
    private static readonly AlgorithmPolicy Policy = AlgorithmPolicy.Default;
    private static readonly WrapParameters Kw = new(BlockCipherMode.NISTKeyWrap);
    private static readonly WrapParameters Kwp = new(BlockCipherMode.AESKeyWrapPadding);

    // RFC 3394 §4.1 (128-bit KEK, 128-bit key) and §4.6 (256-bit KEK, 256-bit key).
    [Theory]
    [InlineData("000102030405060708090a0b0c0d0e0f", "00112233445566778899aabbccddeeff", "1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5")]
    [InlineData("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "00112233445566778899aabbccddeeff000102030405060708090a0b0c0d0e0f",
        "28c9f404c4b810f4cbccb35cfb87f8263f5786e2d80ed326cbc7f0e71a99f43bfb988b9b7a02dd21")]
    public void AesKw_rfc3394(string kek, string key, string wrapped)
    {
        var w = KeyWrapper.Wrap(Policy, Kw, B(kek), B(key));
        Assert.Equal(wrapped, S(w.Data));
        Assert.Null(w.Iv);
        Assert.Equal(key, S(KeyWrapper.Unwrap(Policy, Kw, B(kek), w.Data)));
    }

    // RFC 5649 §6 (192-bit KEK; 20-byte and 7-byte keys).
    [Theory]
    [InlineData("c37b7e6492584340bed12207808941155068f738", "138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a")]
    [InlineData("466f7250617369", "afbeb0f07dfbf5419200f2ccb50bb24f")]
    public void AesKwp_rfc5649(string key, string wrapped)
    {
        var kek = B("5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8");
        Assert.Equal(wrapped, S(KeyWrapper.Wrap(Policy, Kwp, kek, B(key)).Data));
        Assert.Equal(key, S(KeyWrapper.Unwrap(Policy, Kwp, kek, B(wrapped))));
    }

    [Theory]
    [InlineData(BlockCipherMode.NISTKeyWrap)]
    [InlineData(BlockCipherMode.AESKeyWrapPadding)]
    [InlineData(BlockCipherMode.GCM)]
    public void Tampered_or_wrong_key_unwrap_is_AuthenticationFailed(BlockCipherMode mode)
    {
        var p = new WrapParameters(mode);
        var kek = RandomSource.Get(32);
        var key = RandomSource.Get(32);
        var w = KeyWrapper.Wrap(Policy, p, kek, key);
        Assert.Equal(key, KeyWrapper.Unwrap(Policy, p, kek, w.Data, w.Iv));
        var bad = (byte[])w.Data.Clone();
        bad[^1] ^= 1;
        var e = Assert.Throws<CryptoFailure>(() => KeyWrapper.Unwrap(Policy, p, kek, bad, w.Iv));
        Assert.Equal(CryptoFailureReason.AuthenticationFailed, e.Reason);
        Assert.Equal(ResultReason.CryptographicFailure, e.ToResultReason());
        Assert.Equal(CryptoFailureReason.AuthenticationFailed,
            Assert.Throws<CryptoFailure>(() => KeyWrapper.Unwrap(Policy, p, RandomSource.Get(32), w.Data, w.Iv)).Reason);
    }

    [Fact]
    public void Kwp_output_unwraps_with_openssl_id_aes256_wrap_pad()
    {
        using var o = new OpenSsl();
        var kek = RandomSource.Get(32);
        var key = RandomSource.Get(20);
        o.File("w", KeyWrapper.Wrap(Policy, Kwp, kek, key).Data);
        o.Ok("enc", "-d", "-id-aes256-wrap-pad", "-K", S(kek), "-iv", "A65959A6", "-in", "w", "-out", "k");
        Assert.Equal(key, o.Read("k"));
    }

    [Fact]
    public void Rsa_oaep_wrap_round_trip()
    {
        var p = new WrapParameters(Padding: PaddingMethod.OAEP, Hash: HashingAlgorithm.SHA_256);
        var key = RandomSource.Get(32);
        var w = KeyWrapper.WrapWithPublicKey(Policy, p, keys.Rsa.PublicKeySpki, key);
        Assert.Equal(256, w.Length);
        Assert.Equal(key, KeyWrapper.UnwrapWithPrivateKey(Policy, p, keys.Rsa.PrivateKeyPkcs8, w));
    }

    // RSA-AES key wrap (PKCS#11 CKM_RSA_AES_KEY_WRAP), unwrapped step by step with openssl:
    // pkeyutl OAEP-decrypts the ephemeral AES key from the first modulus-length bytes, then enc unwraps the rest (RFC 5649).
    [Fact]
    public void Rsa_aes_wrap_unwraps_with_openssl_in_two_steps()
    {
        using var o = new OpenSsl();
        var p = new WrapParameters(BlockCipherMode.AESKeyWrapPadding, PaddingMethod.OAEP, HashingAlgorithm.SHA_256);
        var target = keys.P256.PrivateKeyPkcs8; // a private key, as RSA-AES is meant for
        var w = KeyWrapper.WrapWithPublicKey(Policy, p, keys.Rsa.PublicKeySpki, target);
        o.File("key.der", keys.Rsa.PrivateKeyPkcs8);
        o.File("c1", w[..256]);
        o.File("c2", w[256..]);
        o.Ok("pkeyutl", "-decrypt", "-inkey", "key.der", "-keyform", "DER", "-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha256", "-pkeyopt", "rsa_mgf1_md:sha256", "-in", "c1", "-out", "k");
        o.Ok("enc", "-d", "-id-aes256-wrap-pad", "-K", S(o.Read("k")), "-iv", "A65959A6", "-in", "c2", "-out", "t");
        Assert.Equal(target, o.Read("t"));
        Assert.Equal(target, KeyWrapper.UnwrapWithPrivateKey(Policy, p, keys.Rsa.PrivateKeyPkcs8, w));
        w[^1] ^= 1;
        Assert.Equal(CryptoFailureReason.AuthenticationFailed,
            Assert.Throws<CryptoFailure>(() => KeyWrapper.UnwrapWithPrivateKey(Policy, p, keys.Rsa.PrivateKeyPkcs8, w)).Reason);
    }

    [Fact]
    public void Kw_rejects_lengths_that_are_not_multiples_of_8()
    {
        Assert.Equal(CryptoFailureReason.BadParameters,
            Assert.Throws<CryptoFailure>(() => KeyWrapper.Wrap(Policy, Kw, new byte[16], new byte[20])).Reason);
    }
}
