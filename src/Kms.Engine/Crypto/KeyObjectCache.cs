using System.Security.Cryptography;

namespace Kms.Engine.Crypto;

/// <summary>Builds a key object from encoded key bytes.</summary>
internal delegate T KeyObjectFactory<out T>(ReadOnlySpan<byte> encoded);

/// <summary>
/// A one-entry, per-thread cache from encoded key bytes (PKCS#8 or SPKI) to the imported key object, per
/// object type. Importing a key through OpenSSL costs several times a signature, so repeated Sign/Verify/
/// Decrypt calls with the same key reuse the object. Keys are matched by exact bytes, compared in constant
/// time; a replaced entry's bytes are zeroed and its object disposed. Objects handed out must not be
/// disposed by the caller, and must be used before the next <c>Get</c> of the same type on the same thread
/// (which may dispose it). Tradeoff: one imported copy of the most recent key per type stays per thread.
/// </summary>
internal static class KeyObjectCache<T> where T : class
{
    [ThreadStatic] private static byte[]? t_bytes;
    [ThreadStatic] private static T? t_value;

    internal static T Get(ReadOnlySpan<byte> encoded, KeyObjectFactory<T> factory)
    {
        var bytes = t_bytes;
        var value = t_value;
        if (value is not null && bytes is not null && bytes.Length == encoded.Length && CryptographicOperations.FixedTimeEquals(bytes, encoded))
            return value;
        var created = factory(encoded);
        Clear();
        t_bytes = encoded.ToArray();
        t_value = created;
        return created;
    }

    /// <summary>Drops this thread's entry, zeroing the cached bytes and disposing the object.</summary>
    internal static void Clear()
    {
        if (t_bytes is not null) CryptographicOperations.ZeroMemory(t_bytes);
        (t_value as IDisposable)?.Dispose();
        t_bytes = null;
        t_value = null;
    }
}
