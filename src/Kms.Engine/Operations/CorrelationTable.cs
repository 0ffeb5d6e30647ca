using System.Security.Cryptography;
using Kms.Engine.Model;
using Kms.Ttlv;

namespace Kms.Engine.Operations;

/// <summary>
/// The engine-side state of multi-part operations (KMIP 2.1 §6.1.18/§6.1.19 Init Indicator, Final Indicator,
/// Correlation Value): entries keyed by a random 16-byte Correlation Value, bound to the caller and the key,
/// expiring after <see cref="Lifetime"/> seconds, at most <see cref="Capacity"/> at once and
/// <see cref="CapacityPerUser"/> per caller (so one caller cannot take every slot). Never stored: a
/// restart ends every multi-part operation. Expired and removed entries are disposed (which zeroes them).
/// </summary>
internal sealed class CorrelationTable<T> where T : class, IDisposable
{
    public const int Capacity = 1024;
    public const int CapacityPerUser = 64;
    public const long Lifetime = 600;

    private readonly record struct Entry(T Value, string User, string KeyId, long Expires);

    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>Stores <paramref name="value"/> and returns its new Correlation Value.</summary>
    public byte[] Add(T value, string user, string keyId, long now)
    {
        var id = RandomNumberGenerator.GetBytes(16);
        lock (_lock)
        {
            if (_entries.Count >= Capacity || CountOf(user) >= CapacityPerUser) Purge(now);
            if (_entries.Count >= Capacity || CountOf(user) >= CapacityPerUser)
            {
                value.Dispose();
                throw new KmipFault(ResultReason.GeneralFailure, "Too many multi-part operations in progress");
            }
            _entries[Convert.ToHexString(id)] = new Entry(value, user, keyId, now + Lifetime);
        }
        return id;
    }

    /// <summary>
    /// Takes the entry out of the table (the caller puts it back with <see cref="Put"/> unless it was the
    /// final part). An unknown, expired or foreign value (other user or key) is Invalid Correlation Value.
    /// </summary>
    public T Take(byte[] correlation, string user, string keyId, long now)
    {
        var k = Convert.ToHexString(correlation);
        lock (_lock)
        {
            if (!_entries.Remove(k, out var e)) throw Invalid();
            if (e.Expires <= now)
            {
                e.Value.Dispose();
                throw Invalid();
            }
            if (!string.Equals(e.User, user, StringComparison.Ordinal) || !string.Equals(e.KeyId, keyId, StringComparison.Ordinal))
            {
                _entries[k] = e;
                throw Invalid();
            }
            return e.Value;
        }
    }

    /// <summary>Puts back an entry taken with <see cref="Take"/>, with a fresh expiry.</summary>
    public void Put(byte[] correlation, T value, string user, string keyId, long now)
    {
        lock (_lock) _entries[Convert.ToHexString(correlation)] = new Entry(value, user, keyId, now + Lifetime);
    }

    public int Count
    {
        get { lock (_lock) return _entries.Count; }
    }

    private int CountOf(string user)
    {
        int n = 0;
        foreach (var e in _entries.Values)
            if (string.Equals(e.User, user, StringComparison.Ordinal)) n++;
        return n;
    }

    private void Purge(long now)
    {
        foreach (var (k, e) in _entries.ToList())
        {
            if (e.Expires > now) continue;
            _entries.Remove(k);
            e.Value.Dispose();
        }
    }

    private static KmipFault Invalid() => new(ResultReason.InvalidCorrelationValue, "Unknown or expired Correlation Value", ResultReason.InvalidField);
}
