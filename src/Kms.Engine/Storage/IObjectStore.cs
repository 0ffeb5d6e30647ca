using System.Diagnostics.CodeAnalysis;

namespace Kms.Engine.Storage;

/// <summary>
/// One stored managed object as the store sees it: an opaque body (the engine's serialization of the
/// object, its attributes, owner and grants) plus the index terms the engine derived from it.
/// </summary>
/// <param name="Id">The Unique Identifier.</param>
/// <param name="Version">Store-assigned, strictly increasing per id; used for optimistic concurrency.</param>
/// <param name="Body">The engine's bytes; the store encrypts them at rest and never interprets them.</param>
/// <param name="IndexTerms">
/// Exact-match terms for Locate and access queries, e.g. <c>owner=alice</c>, <c>tag=prod</c>,
/// <c>name=Key1</c>, <c>type=SymmetricKey</c>, <c>state=Active</c>, <c>link=…</c>, <c>grant=bob</c>.
/// Encrypted at rest like the body.
/// </param>
/// <param name="Sequence">Store-assigned creation order (larger = created later), for newest-first Locate.</param>
public sealed record ObjectRecord(string Id, long Version, ReadOnlyMemory<byte> Body, IReadOnlyList<string> IndexTerms, long Sequence);

/// <summary>One change in an atomic commit.</summary>
/// <param name="Id">The Unique Identifier.</param>
/// <param name="ExpectedVersion">The version the caller read; 0 means the object must not exist yet.</param>
/// <param name="Body">The new body, or null to delete the record.</param>
/// <param name="IndexTerms">The new index terms (ignored for a delete).</param>
public sealed record ObjectWrite(string Id, long ExpectedVersion, ReadOnlyMemory<byte>? Body, IReadOnlyList<string> IndexTerms);

/// <summary>The outcome of <see cref="IObjectStore.CommitAsync"/>.</summary>
public enum CommitStatus
{
    /// <summary>Every write was applied and is durable on disk.</summary>
    Committed,
    /// <summary>A write's expected version did not match: nothing was applied. Re-read and retry.</summary>
    Conflict,
}

/// <summary>
/// The storage abstraction of the engine. Reads are lock-free and see the latest committed state.
/// <see cref="CommitAsync"/> is atomic (all writes or none) and linearisable per object (a version check, no
/// global lock), and completes only once the change is durable (write-ahead log with group commit). While a
/// commit waits for the disk no thread is blocked: the store's commit loop completes the returned task.
/// Internal data of the store (its own keys) is never an <see cref="ObjectRecord"/>.
/// </summary>
public interface IObjectStore : IDisposable
{
    /// <summary>Reads the latest committed record of <paramref name="id"/>.</summary>
    bool TryRead(string id, [NotNullWhen(true)] out ObjectRecord? record);

    /// <summary>
    /// Applies <paramref name="writes"/> atomically and durably, or none of them on a version conflict. The task
    /// completes once the change is on disk (never before), or at once with <see cref="CommitStatus.Conflict"/>.
    /// Its continuation runs on the thread pool, never on the store's commit loop. Invalid writes throw
    /// <see cref="ArgumentException"/> synchronously; a store failure faults the task with
    /// <see cref="InvalidOperationException"/>.
    /// </summary>
    ValueTask<CommitStatus> CommitAsync(IReadOnlyList<ObjectWrite> writes);

    /// <summary>
    /// Ids of the records whose index terms include every one of <paramref name="terms"/> (AND), newest
    /// first (descending <see cref="ObjectRecord.Sequence"/>). Uses the inverted index: it must not scan
    /// all records. An empty <paramref name="terms"/> list matches every record.
    /// </summary>
    IReadOnlyList<string> FindByTerms(IReadOnlyList<string> terms);

    /// <summary>Number of live records.</summary>
    long Count { get; }

    /// <summary>A cheap readiness probe that touches the store (for /health).</summary>
    bool IsHealthy();
}

/// <summary>Blocking helpers over <see cref="IObjectStore"/> for tests, tools and rare administrative paths.</summary>
public static class ObjectStoreExtensions
{
    /// <summary>
    /// <see cref="IObjectStore.CommitAsync"/>, waiting for it. Request paths must await the task instead: a thread
    /// blocked here holds a thread-pool thread for the whole group commit.
    /// </summary>
    public static CommitStatus Commit(this IObjectStore store, IReadOnlyList<ObjectWrite> writes)
    {
        ArgumentNullException.ThrowIfNull(store);
        var pending = store.CommitAsync(writes);
        return pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
    }
}
