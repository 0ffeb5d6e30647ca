using System.Numerics;

namespace Kms.Load;

/// <summary>
/// A log-linear latency histogram in nanoseconds (the HdrHistogram layout with 32 sub-buckets per power of two:
/// at most ~3% relative error). Recording is allocation-free and not thread-safe: one per connection, merged at the end.
/// </summary>
public sealed class LatencyHistogram
{
    private const int SubBits = 5;
    private const int SubCount = 1 << SubBits;
    private readonly long[] _counts = new long[64 * SubCount];

    /// <summary>Number of recorded values.</summary>
    public long Count { get; private set; }

    /// <summary>Records one latency.</summary>
    public void Record(long nanoseconds)
    {
        _counts[Index(Math.Max(0, nanoseconds))]++;
        Count++;
    }

    /// <summary>Adds every value of <paramref name="other"/>.</summary>
    public void Add(LatencyHistogram other)
    {
        for (int i = 0; i < _counts.Length; i++) _counts[i] += other._counts[i];
        Count += other.Count;
    }

    /// <summary>The value at quantile <paramref name="q"/> (0..1), as the upper bound of its bucket; 0 when empty.</summary>
    public long Quantile(double q)
    {
        if (Count == 0) return 0;
        long rank = Math.Max(1, (long)Math.Ceiling(q * Count));
        long seen = 0;
        for (int i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank) return UpperBound(i);
        }
        return UpperBound(_counts.Length - 1);
    }

    private static int Index(long v)
    {
        if (v < SubCount) return (int)v;
        int msb = 63 - BitOperations.LeadingZeroCount((ulong)v);
        int shift = msb - SubBits;
        return ((shift + 1) << SubBits) + (int)((v >> shift) & (SubCount - 1));
    }

    private static long UpperBound(int index)
    {
        if (index < SubCount) return index;
        int shift = (index >> SubBits) - 1;
        long low = (long)((index & (SubCount - 1)) | SubCount) << shift;
        return low + (1L << shift) - 1;
    }
}
