using FASTER.core;

namespace Kms.Engine.Storage;

/// <summary>
/// The write-ahead log's commit-metadata manager: FASTER's own file-based manager (same files, same place), but
/// writing a metadata file only for every <see cref="WriteEvery"/>-th commit or when the log's begin address moved.
/// </summary>
/// <remarks>
/// In FastCommitMode a commit is durable once the log flush that carries its commit record is on disk; the metadata
/// file only tells recovery where to start looking for commit records, and recovery scans forward from it. Writing
/// (and deleting the previous) file on every group commit cost a file create, write and unlink per fsync. A
/// metadata file written later than the commit only makes that scan longer. A truncation (a new begin address) is
/// always written before FASTER deletes the truncated segments, which it does only after this call returns, so
/// recovery never starts inside a deleted segment.
/// </remarks>
internal sealed class SparseLogCommitManager(string directory) : ILogCommitManager
{
    /// <summary>At most this many commits between two metadata files (bounds the recovery scan).</summary>
    internal const int WriteEvery = 256;

    private readonly DeviceLogCommitCheckpointManager _inner = new(
        new LocalStorageNamedDeviceFactory(), new DefaultCheckpointNamingScheme(directory), removeOutdated: true);
    private long _writtenBegin = -1;
    private int _skipped;

    /// <summary>Metadata files written so far (tests).</summary>
    internal int Written { get; private set; }

    /// <inheritdoc/>
    public void Commit(long beginAddress, long untilAddress, byte[] commitMetadata, long commitNum, bool forceWriteMetadata)
    {
        // FASTER calls this from one commit worker at a time.
        if (!forceWriteMetadata && beginAddress == _writtenBegin && ++_skipped < WriteEvery) return;
        _inner.Commit(beginAddress, untilAddress, commitMetadata, commitNum, forceWriteMetadata: true);
        _writtenBegin = beginAddress;
        _skipped = 0;
        Written++;
    }

    /// <inheritdoc/>
    public byte[] GetCommitMetadata(long commitNum) => _inner.GetCommitMetadata(commitNum);

    /// <inheritdoc/>
    public IEnumerable<long> ListCommits() => _inner.ListCommits();

    /// <inheritdoc/>
    public void RemoveCommit(long commitNum) => _inner.RemoveCommit(commitNum);

    /// <inheritdoc/>
    public void RemoveAllCommits() => _inner.RemoveAllCommits();

    /// <inheritdoc/>
    public void OnRecovery(long commitNum) => _inner.OnRecovery(commitNum);

    /// <inheritdoc/>
    public void Dispose() => _inner.Dispose();
}
