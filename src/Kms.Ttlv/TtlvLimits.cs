namespace Kms.Ttlv;

/// <summary>
/// Every bound the codec enforces on untrusted input, in one place. The defaults suit a server:
/// a message larger than <see cref="MaxMessageSize"/> is refused from its 8-byte header, before its body
/// is waited for.
/// </summary>
public sealed record TtlvLimits
{
    /// <summary>Hard ceiling for <see cref="MaxDepth"/>: the reader keeps its structure stack inline.</summary>
    public const int DepthCeiling = 64;

    /// <summary>Largest whole message, header included (bytes).</summary>
    public int MaxMessageSize { get; init; } = 1 << 20;

    /// <summary>Deepest structure nesting; the top-level message is depth 1.</summary>
    public int MaxDepth { get; init; } = 32;

    /// <summary>Largest number of batch items in one message.</summary>
    public int MaxBatchCount { get; init; } = 1024;

    /// <summary>Largest number of items in one JSON or XML document (bounds the tree adapters).</summary>
    public int MaxItems { get; init; } = 100_000;

    /// <summary>Largest JSON or XML document, in bytes (UTF-8) or characters, checked before parsing.</summary>
    public int MaxTextSize { get; init; } = 4 << 20;

    /// <summary>The defaults.</summary>
    public static TtlvLimits Default { get; } = new();

    /// <summary>Throws when a limit is out of its valid range (configuration errors only).</summary>
    public void Validate()
    {
        if (MaxMessageSize < 16) throw new ArgumentOutOfRangeException(nameof(MaxMessageSize), MaxMessageSize, "must be at least 16 bytes");
        if (MaxDepth < 1 || MaxDepth > DepthCeiling) throw new ArgumentOutOfRangeException(nameof(MaxDepth), MaxDepth, $"must be 1..{DepthCeiling}");
        if (MaxBatchCount < 1) throw new ArgumentOutOfRangeException(nameof(MaxBatchCount), MaxBatchCount, "must be positive");
        if (MaxTextSize < 1) throw new ArgumentOutOfRangeException(nameof(MaxTextSize), MaxTextSize, "must be positive");
        if (MaxItems < 1) throw new ArgumentOutOfRangeException(nameof(MaxItems), MaxItems, "must be positive");
    }
}
