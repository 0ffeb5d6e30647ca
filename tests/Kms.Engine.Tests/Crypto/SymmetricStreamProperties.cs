using FsCheck.Xunit;
using Kms.Engine.Crypto;
using Kms.Ttlv;

namespace Kms.Engine.Tests.Crypto;

public class SymmetricStreamProperties
{
    private static readonly byte[] Key = RandomSource.Get(16);
    private static readonly byte[] Iv = RandomSource.Get(16);

    /// <summary>For any data and any split into parts (with a state export/import between parts), multi-part = one-shot, both ways.</summary>
    [Property(MaxTest = 150)]
    public bool Any_split_matches_one_shot(byte[]? data, byte[]? cutSeeds, bool ctr)
    {
        data ??= [];
        var p = ctr
            ? new SymmetricParameters(CryptographicAlgorithm.AES, BlockCipherMode.CTR)
            : new SymmetricParameters(CryptographicAlgorithm.AES, BlockCipherMode.CBC, PaddingMethod.PKCS5);
        var expected = new byte[SymmetricCipher.GetCiphertextLength(p, data.Length)];
        SymmetricCipher.Encrypt(AlgorithmPolicy.Default, p, Key, Iv, default, data, expected, default);
        var cuts = (cutSeeds ?? []).Select(s => data.Length == 0 ? 0 : s % (data.Length + 1)).Order().ToArray();
        var enc = Run(SymmetricStream.Begin(AlgorithmPolicy.Default, p, true, Key, Iv), data, cuts);
        var encCuts = (cutSeeds ?? []).Select(s => s % (enc.Length + 1)).Order().ToArray();
        var dec = Run(SymmetricStream.Begin(AlgorithmPolicy.Default, p, false, Key, Iv), enc, encCuts);
        return enc.AsSpan().SequenceEqual(expected) && dec.AsSpan().SequenceEqual(data);
    }

    private static byte[] Run(SymmetricStream s, byte[] data, int[] cuts)
    {
        var output = new List<byte>();
        int start = 0;
        foreach (var cut in cuts)
        {
            var buf = new byte[s.GetUpdateOutputLength(cut - start)];
            output.AddRange(buf.AsSpan(0, s.Update(Key, data.AsSpan(start, cut - start), buf)).ToArray());
            start = cut;
            var state = s.Export();
            s.Dispose();
            s = SymmetricStream.Import(state);
        }
        var fin = new byte[s.GetFinalOutputLength(data.Length - start)];
        output.AddRange(fin.AsSpan(0, s.Final(Key, data.AsSpan(start), fin)).ToArray());
        return output.ToArray();
    }
}
