using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Kms.Engine.Crypto;

/// <summary>
/// A small per-thread cache of <see cref="AesGcm"/> contexts for the last <see cref="Ways"/> keys (and tag sizes) used on
/// that thread, so that repeated AES-GCM calls with the same keys allocate nothing and skip the key schedule, also when
/// a thread serves requests for a few keys in turn (one entry thrashed: a new context, ~1–3 µs and an allocation, per
/// switch). Keys are compared in constant time (<see cref="SameKey"/>); the entry replaced is the oldest, and its key
/// copy is zeroed. Tradeoff: copies of the most recent AES-GCM keys stay in memory, up to <see cref="Ways"/> per thread.
/// </summary>
internal static class AesGcmCache
{
    internal const int Ways = 4;

    private sealed class Entry
    {
        internal AesGcm? Gcm;
        internal readonly byte[] Key = new byte[32];
        internal int KeyLength;
    }

    [ThreadStatic] private static Entry[]? t_entries;
    [ThreadStatic] private static int t_next;

    internal static AesGcm Get(ReadOnlySpan<byte> key, int tagSize)
    {
        var entries = t_entries ??= [new(), new(), new(), new()];
        foreach (var e in entries)
        {
            if (e.Gcm is { } gcm && e.KeyLength == key.Length && gcm.TagSizeInBytes == tagSize && SameKey(e.Key.AsSpan(0, key.Length), key))
                return gcm;
        }
        var victim = entries[t_next];
        t_next = (t_next + 1) % Ways;
        victim.Gcm?.Dispose();
        CryptographicOperations.ZeroMemory(victim.Key);
        key.CopyTo(victim.Key);
        victim.KeyLength = key.Length;
        return victim.Gcm = new AesGcm(key, tagSize);
    }

    /// <summary>
    /// Whether two AES keys of the same length are equal, in time independent of their bytes: the XOR of each 8-byte word
    /// is ORed into one difference, with no early exit. <see cref="CryptographicOperations.FixedTimeEquals"/> does the same
    /// per byte with the JIT's optimizer off (~100 ns for 32 bytes, a sixth of a 64-byte AES-GCM call); this is ~2 ns.
    /// </summary>
    internal static bool SameKey(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if (a.Length != b.Length) return false;
        ulong diff = 0;
        int i = 0;
        for (; i + 8 <= a.Length; i += 8) diff |= MemoryMarshal.Read<ulong>(a[i..]) ^ MemoryMarshal.Read<ulong>(b[i..]);
        for (; i < a.Length; i++) diff |= (uint)(a[i] ^ b[i]);
        return diff == 0;
    }

    /// <summary>Drops this thread's cached contexts and zeroes their key copies.</summary>
    internal static void Clear()
    {
        if (t_entries is not { } entries) return;
        foreach (var e in entries)
        {
            e.Gcm?.Dispose();
            e.Gcm = null;
            CryptographicOperations.ZeroMemory(e.Key);
            e.KeyLength = 0;
        }
    }
}
