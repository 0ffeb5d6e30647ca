using System.Buffers.Binary;
using System.Security.Cryptography;
using Kms.Engine.Storage;

namespace Kms.Engine.Tests.Storage;

/// <summary>
/// The at-rest sealing: per-instance subkeys named by a salt in each blob, counter nonces (NIST SP 800-38D §8.2.1),
/// and blobs of earlier instances (a restart) still opening.
/// </summary>
public sealed class StoreCryptoTests
{
    private static readonly byte[] SealKey = RandomNumberGenerator.GetBytes(32);
    private static readonly byte[] IdKey = RandomNumberGenerator.GetBytes(32);
    private static readonly byte[] Associated = "record-key"u8.ToArray();

    private static byte[] Seal(StoreCrypto crypto, byte[] plain)
    {
        var sealedBlob = new byte[plain.Length + StoreCrypto.Overhead];
        crypto.Seal(plain, Associated, sealedBlob);
        return sealedBlob;
    }

    private static byte[]? Open(StoreCrypto crypto, byte[] sealedBlob, byte[]? associated = null)
    {
        var plain = new byte[sealedBlob.Length - StoreCrypto.Overhead];
        return crypto.TryOpen(sealedBlob, associated ?? Associated, plain) ? plain : null;
    }

    private static long Counter(byte[] sealedBlob) => BinaryPrimitives.ReadInt64LittleEndian(sealedBlob.AsSpan(StoreCrypto.SaltSize + 4));

    [Fact]
    public void One_instance_seals_under_one_salt_with_a_nonce_that_counts_up()
    {
        using var crypto = new StoreCrypto(SealKey, IdKey);
        byte[] plain = "the same bytes"u8.ToArray();
        var blobs = Enumerable.Range(0, 100).Select(_ => Seal(crypto, plain)).ToList();
        Assert.All(blobs, b => Assert.Equal(blobs[0][..StoreCrypto.SaltSize], b[..StoreCrypto.SaltSize]));
        Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)i), blobs.Select(Counter));
        Assert.Equal(100, blobs.Select(Convert.ToHexString).Distinct().Count());
        Assert.All(blobs, b => Assert.Equal(plain, Open(crypto, b)));
    }

    [Fact]
    public async Task Nonces_never_repeat_across_threads()
    {
        using var crypto = new StoreCrypto(SealKey, IdKey);
        var counters = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
            Enumerable.Range(0, 2000).Select(_ => Counter(Seal(crypto, [1, 2, 3]))).ToArray())));
        var all = counters.SelectMany(c => c).ToList();
        Assert.Equal(all.Count, all.Distinct().Count());
    }

    [Fact]
    public void A_later_instance_has_its_own_subkey_and_opens_earlier_blobs()
    {
        // A restart: same keys, new instance. Its salt (so its subkey) differs, its counter starts again, and blobs of
        // the earlier instances, here more of them than a thread caches, still open.
        byte[] plain = "kept across restarts"u8.ToArray();
        var earlier = new List<byte[]>();
        for (int i = 0; i < 40; i++)
        {
            using var old = new StoreCrypto(SealKey, IdKey);
            earlier.Add(Seal(old, plain));
        }
        using var current = new StoreCrypto(SealKey, IdKey);
        var mine = Seal(current, plain);
        Assert.Equal(1, Counter(mine));
        Assert.All(earlier, b => Assert.Equal(1, Counter(b)));
        Assert.Equal(41, earlier.Append(mine).Select(b => Convert.ToHexString(b, 0, StoreCrypto.SaltSize)).Distinct().Count());
        for (int round = 0; round < 2; round++)
            Assert.All(earlier, b => Assert.Equal(plain, Open(current, b)));
        Assert.Equal(plain, Open(current, mine));
    }

    [Fact]
    public void A_changed_salt_nonce_tag_or_context_or_another_key_fails()
    {
        using var crypto = new StoreCrypto(SealKey, IdKey);
        byte[] blob = Seal(crypto, "payload"u8.ToArray());
        foreach (int at in new[] { 0, StoreCrypto.SaltSize - 1, StoreCrypto.SaltSize, StoreCrypto.PrefixSize, blob.Length - 1 })
        {
            var damaged = (byte[])blob.Clone();
            damaged[at] ^= 1;
            Assert.Null(Open(crypto, damaged));
        }
        Assert.Null(Open(crypto, blob, "other-record"u8.ToArray()));
        using var otherStore = new StoreCrypto(RandomNumberGenerator.GetBytes(32), IdKey);
        Assert.Null(Open(otherStore, blob));
    }

    [Fact]
    public async Task Storage_keys_are_the_truncated_HMAC_of_the_id_on_every_call_and_thread()
    {
        using var crypto = new StoreCrypto(SealKey, IdKey);
        string[] ids = ["a", "b6f1c1e2-0000-4000-8000-000000000001", new string('é', 300)];
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            var keys = new List<string>();
            for (int round = 0; round < 3; round++)
                foreach (var id in ids)
                {
                    var key = new byte[StoreCrypto.StorageKeySize];
                    Assert.True(crypto.TryStorageKey(id, key));
                    keys.Add(Convert.ToHexString(key));
                }
            return keys;
        })));
        var expected = Enumerable.Repeat(ids, 3).SelectMany(x => x)
            .Select(id => Convert.ToHexString(HMACSHA256.HashData(IdKey, System.Text.Encoding.UTF8.GetBytes(id)), 0, StoreCrypto.StorageKeySize)).ToList();
        Assert.All(results, keys => Assert.Equal(expected, keys));
        Assert.False(crypto.TryStorageKey(new string('x', StoreCrypto.MaxIdBytes + 1), new byte[StoreCrypto.StorageKeySize]));
    }
}
