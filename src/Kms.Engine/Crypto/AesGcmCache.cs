using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Kms.Engine.Crypto;

/// <summary>
/// A one-entry, per-thread cache of the <see cref="AesGcm"/> context for the last key and tag size used on
/// that thread, so that repeated AES-GCM calls with the same key allocate nothing and skip the key
/// schedule. The key is compared in constant time (<see cref="SameKey"/>). The cached copy of the key is zeroed when replaced.
/// Tradeoff: one extra copy of the most recent AES-GCM key stays in memory per thread.
/// </summary>
internal static class AesGcmCache
{
    [ThreadStatic] private static AesGcm? t_gcm;
    [ThreadStatic] private static byte[]? t_key;
    [ThreadStatic] private static int t_keyLength;

    internal static AesGcm Get(ReadOnlySpan<byte> key, int tagSize)
    {
        var gcm = t_gcm;
        var cached = t_key;
        if (gcm is not null && cached is not null && t_keyLength == key.Length && gcm.TagSizeInBytes == tagSize
            && SameKey(cached.AsSpan(0, key.Length), key))
            return gcm;

        gcm?.Dispose();
        cached ??= t_key = new byte[32];
        CryptographicOperations.ZeroMemory(cached);
        key.CopyTo(cached);
        t_keyLength = key.Length;
        return t_gcm = new AesGcm(key, tagSize);
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

    /// <summary>Drops this thread's cached context and zeroes its key copy.</summary>
    internal static void Clear()
    {
        t_gcm?.Dispose();
        t_gcm = null;
        if (t_key is not null) CryptographicOperations.ZeroMemory(t_key);
        t_keyLength = 0;
    }
}
