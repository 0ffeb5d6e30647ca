using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace Kms.Engine.Storage;

/// <summary>
/// An ephemeral, thread-safe, in-memory <see cref="IObjectStore"/> (tools, tests of the semantics, demos).
/// Nothing survives <see cref="Dispose"/>. Reads are lock-free (a concurrent dictionary of immutable
/// records); <see cref="CommitAsync"/> and the inverted index are guarded by one lock, which is fine for an
/// ephemeral mode and keeps every commit atomic and linearisable.
/// </summary>
public sealed class MemoryObjectStore : IObjectStore
{
    private readonly ConcurrentDictionary<string, ObjectRecord> _records = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _index = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private long _sequence;
    private long _version;
    private bool _disposed;

    /// <inheritdoc/>
    public long Count => _records.Count;

    /// <inheritdoc/>
    public bool TryRead(string id, [NotNullWhen(true)] out ObjectRecord? record) => _records.TryGetValue(id, out record);

    /// <inheritdoc/>
    public ValueTask<CommitStatus> CommitAsync(IReadOnlyList<ObjectWrite> writes) => new(Apply(writes));

    private CommitStatus Apply(IReadOnlyList<ObjectWrite> writes)
    {
        ArgumentNullException.ThrowIfNull(writes);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            // Validate every expected version first: all or nothing.
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var w in writes)
            {
                if (!seen.Add(w.Id)) throw new ArgumentException("An id appears twice in one commit.", nameof(writes));
                long current = _records.TryGetValue(w.Id, out var existing) ? existing.Version : 0;
                if (current != w.ExpectedVersion) return CommitStatus.Conflict;
            }
            foreach (var w in writes)
            {
                _records.TryGetValue(w.Id, out var existing);
                if (existing is not null) Unindex(existing);
                if (w.Body is null)
                {
                    _records.TryRemove(w.Id, out _);
                    continue;
                }
                long seq = existing?.Sequence ?? ++_sequence;
                var record = new ObjectRecord(w.Id, ++_version, w.Body.Value.ToArray(), [.. w.IndexTerms], seq);
                _records[w.Id] = record;
                foreach (var term in record.IndexTerms)
                {
                    if (!_index.TryGetValue(term, out var set)) _index[term] = set = new HashSet<string>(StringComparer.Ordinal);
                    set.Add(w.Id);
                }
            }
            return CommitStatus.Committed;
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<string> FindByTerms(IReadOnlyList<string> terms)
    {
        ArgumentNullException.ThrowIfNull(terms);
        List<ObjectRecord> hits = [];
        lock (_gate)
        {
            if (terms.Count == 0)
            {
                hits.AddRange(_records.Values);
            }
            else
            {
                // Start from the smallest posting list, then check the others.
                HashSet<string>? smallest = null;
                foreach (var t in terms)
                {
                    if (!_index.TryGetValue(t, out var set)) return [];
                    if (smallest is null || set.Count < smallest.Count) smallest = set;
                }
                foreach (var id in smallest!)
                {
                    bool all = true;
                    foreach (var t in terms)
                    {
                        if (!_index[t].Contains(id)) { all = false; break; }
                    }
                    if (all && _records.TryGetValue(id, out var r)) hits.Add(r);
                }
            }
        }
        hits.Sort(static (a, b) => b.Sequence.CompareTo(a.Sequence));
        var ids = new string[hits.Count];
        for (int i = 0; i < ids.Length; i++) ids[i] = hits[i].Id;
        return ids;
    }

    /// <inheritdoc/>
    public bool IsHealthy() => !_disposed;

    /// <summary>Drops every record.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _records.Clear();
            _index.Clear();
        }
    }

    private void Unindex(ObjectRecord record)
    {
        foreach (var term in record.IndexTerms)
        {
            if (_index.TryGetValue(term, out var set))
            {
                set.Remove(record.Id);
                if (set.Count == 0) _index.Remove(term);
            }
        }
    }
}
