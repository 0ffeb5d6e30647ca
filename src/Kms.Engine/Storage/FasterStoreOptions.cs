namespace Kms.Engine.Storage;

/// <summary>
/// Configuration of <see cref="FasterObjectStore"/>. Directory layout under <see cref="DataDirectory"/>:
/// <c>keys/</c> (the wrapped data key), <c>wal/</c> (write-ahead log segments and spare segment files),
/// <c>kv/</c> (FasterKV hybrid log, the state), <c>checkpoints/</c> (FasterKV checkpoints), and
/// <c>master.key</c> only when the store generated its own master key.
/// </summary>
public sealed record FasterStoreOptions
{
    /// <summary>Root folder of the store. Created if missing.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>Delete every record, log and checkpoint on open ("clear the database on start"). The master key file is kept.</summary>
    public bool ClearOnStart { get; init; }

    /// <summary>
    /// Path of the 256-bit master key: 32 raw bytes, or 64 hex characters, or base64 of 32 bytes.
    /// Takes precedence over <see cref="MasterKeyEnvironmentVariable"/>.
    /// </summary>
    public string? MasterKeyFile { get; init; }

    /// <summary>Name of an environment variable holding the master key as hex or base64.</summary>
    public string? MasterKeyEnvironmentVariable { get; init; }

    /// <summary>
    /// Called with a human-readable warning, e.g. when a master key was generated because none was configured.
    /// The text never contains key material.
    /// </summary>
    public Action<string>? Warn { get; init; }

    /// <summary>Take a FasterKV checkpoint (and truncate the write-ahead log) after this many commits.</summary>
    public int CheckpointEveryCommits { get; init; } = 20_000;

    /// <summary>Take a checkpoint at least this often while there are new commits.</summary>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Compact the FasterKV hybrid log once at least this many records were superseded or deleted since the last
    /// compaction and they are at least as many as the live records: the log then stays within about twice the live
    /// data (plus its in-memory mutable part). Live records below the read-only address move to the tail; the
    /// checkpoint that follows deletes the old log segments.
    /// </summary>
    public int CompactAfterGarbageRecords { get; init; } = 100_000;

    /// <summary>FasterKV hash index size in buckets (64 bytes each); rounded down to a power of two.</summary>
    public long IndexBuckets { get; init; } = 1L << 16;

    /// <summary>In-memory part of the FasterKV hybrid log, in bytes.</summary>
    public long KvMemoryBytes { get; init; } = 1L << 25;

    /// <summary>
    /// Size of one write-ahead log segment file, in bytes (a multiple of 4 KiB, at least twice <see cref="PageBytes"/>).
    /// Checkpoints free whole segments, which are kept and reused as the log's next segments.
    /// </summary>
    public long LogSegmentBytes { get; init; } = 1L << 26;

    /// <summary>
    /// Page size of both logs, in bytes: a single record, and a single commit, must fit in one page
    /// (minus a small header), so this also bounds the size of one commit.
    /// </summary>
    public long PageBytes { get; init; } = 1L << 22;

    /// <summary>
    /// Use FASTER's own (buffered, O_SYNC) devices for the hybrid log and the index checkpoints even where
    /// <see cref="DirectLogDevice"/> could be used: for tests of the fallback and A/B measurements.
    /// </summary>
    internal bool BufferedKvLog { get; init; }
}
