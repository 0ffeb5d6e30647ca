using Kms.Engine.Crypto;
using Kms.Ttlv;

namespace Kms.Engine.Tests.Crypto;

public class SymmetricStreamTests
{
    private static readonly AlgorithmPolicy Policy = AlgorithmPolicy.Default;

    public static TheoryData<BlockCipherMode, PaddingMethod> Modes => new()
    {
        { BlockCipherMode.CBC, PaddingMethod.PKCS5 },
        { BlockCipherMode.CBC, PaddingMethod.None },
        { BlockCipherMode.ECB, PaddingMethod.PKCS5 },
        { BlockCipherMode.ECB, PaddingMethod.None },
        { BlockCipherMode.CTR, PaddingMethod.None },
    };

    [Theory]
    [MemberData(nameof(Modes))]
    public void Multi_part_equals_one_shot_for_every_split(BlockCipherMode mode, PaddingMethod padding)
    {
        var p = new SymmetricParameters(CryptographicAlgorithm.AES, mode, padding);
        var key = RandomSource.Get(32);
        var iv = mode == BlockCipherMode.ECB ? [] : RandomSource.Get(16);
        int len = padding == PaddingMethod.None && mode != BlockCipherMode.CTR ? 64 : 61;
        var plain = RandomSource.Get(len);
        var expected = new byte[SymmetricCipher.GetCiphertextLength(p, len)];
        SymmetricCipher.Encrypt(Policy, p, key, iv, default, plain, expected, default);

        var parts = new[] { new[] { 0 }, new[] { 1, 15, 16 }, new[] { 16, 32 }, new[] { 5, 6, 40 }, new[] { len } };
        foreach (var cuts in parts)
        {
            var enc = RunParts(SymmetricStream.Begin(Policy, p, true, key, iv), key, plain, cuts, exportBetween: cuts.Length == 3);
            Assert.Equal(expected, enc);
            var dec = RunParts(SymmetricStream.Begin(Policy, p, false, key, iv), key, enc, cuts, exportBetween: cuts.Length == 2);
            Assert.Equal(plain, dec);
        }
    }

    private static byte[] RunParts(SymmetricStream s, byte[] key, byte[] data, int[] cuts, bool exportBetween)
    {
        var output = new List<byte>();
        int start = 0;
        foreach (var cut in cuts.Where(c => c <= data.Length))
        {
            var buf = new byte[s.GetUpdateOutputLength(cut - start)];
            int n = s.Update(key, data.AsSpan(start, cut - start), buf);
            output.AddRange(buf.AsSpan(0, n).ToArray());
            start = cut;
            if (exportBetween)
            {
                var state = s.Export();
                s.Dispose();
                s = SymmetricStream.Import(state);
            }
        }
        var fin = new byte[s.GetFinalOutputLength(data.Length - start)];
        int m = s.Final(key, data.AsSpan(start), fin);
        output.AddRange(fin.AsSpan(0, m).ToArray());
        Assert.True(s.IsFinished);
        return output.ToArray();
    }

    [Fact]
    public void Finished_stream_refuses_more_data_with_InvalidContext()
    {
        var p = new SymmetricParameters(CryptographicAlgorithm.AES, BlockCipherMode.CTR);
        var key = RandomSource.Get(16);
        var s = SymmetricStream.Begin(Policy, p, true, key, new byte[16]);
        s.Final(key, "x"u8, new byte[32]);
        var e = Assert.Throws<CryptoFailure>(() => s.Update(key, "y"u8, new byte[32]));
        Assert.Equal(ResultReason.InvalidCorrelationValue, e.ToResultReason());
    }

    [Fact]
    public void Malformed_state_is_InvalidContext()
    {
        Assert.Equal(CryptoFailureReason.InvalidContext, Assert.Throws<CryptoFailure>(() => SymmetricStream.Import(new byte[5])).Reason);
        var good = SymmetricStream.Begin(Policy, new SymmetricParameters(CryptographicAlgorithm.AES, BlockCipherMode.CBC), true, new byte[16], new byte[16]).Export();
        good[31] = 20;
        Assert.Equal(CryptoFailureReason.InvalidContext, Assert.Throws<CryptoFailure>(() => SymmetricStream.Import(good)).Reason);
    }

    [Fact]
    public void Gcm_is_one_shot_only()
    {
        var e = Assert.Throws<CryptoFailure>(() => SymmetricStream.Begin(Policy, new SymmetricParameters(CryptographicAlgorithm.AES, BlockCipherMode.GCM), true, new byte[16], new byte[12]));
        Assert.Equal(CryptoFailureReason.UnsupportedParameters, e.Reason);
    }

    [Fact]
    public void Bad_padding_on_final_is_BadPadding()
    {
        var p = new SymmetricParameters(CryptographicAlgorithm.AES, BlockCipherMode.CBC, PaddingMethod.PKCS5);
        var key = RandomSource.Get(16);
        var s = SymmetricStream.Begin(Policy, p, false, key, new byte[16]);
        var block = new byte[32];
        // A ciphertext block chosen so that the decrypted padding byte is invalid: decrypt all-zero
        // under a key and make the last byte 0 via chaining by brute force over 256 tries is overkill;
        // instead use plaintext that ends with 0x00 by encrypting with no padding.
        var noPad = new SymmetricParameters(CryptographicAlgorithm.AES, BlockCipherMode.CBC, PaddingMethod.None);
        var c = new byte[16];
        SymmetricCipher.Encrypt(Policy, noPad, key, new byte[16], default, new byte[16], c, default);
        s.Update(key, c.AsSpan(0, 7), block);
        var e = Assert.Throws<CryptoFailure>(() => s.Final(key, c.AsSpan(7), block));
        Assert.Equal(CryptoFailureReason.BadPadding, e.Reason);
        Assert.True(s.IsFinished);
    }
}
