using System.Collections.Concurrent;

namespace Kms.Engine.Storage;

/// <summary>
/// In-memory inverted index (term → posting set of ids) plus the per-id state the store checks versions
/// against. Rebuilt from the records on open. One writer (the store's commit loop) and any number of
/// lock-free readers: every structure is a <see cref="ConcurrentDictionary{TKey,TValue}"/> whose
/// enumeration and lookups take no lock.
/// </summary>
internal sealed class TermIndex
{
    /// <summary>Live state of one id. <see cref="Sequence"/> is fixed at creation; the rest changes on update.</summary>
    internal sealed class Entry(string id, long sequence, long version, string[] terms)
    {
        internal readonly string Id = id;
        internal readonly long Sequence = sequence;
        internal long Version = version;
        internal string[] Terms = terms;
    }

    private sealed class Posting
    {
        internal readonly ConcurrentDictionary<Entry, byte> Set = new(ReferenceEqualityComparer.Instance);
        internal int Count;
    }

    private readonly ConcurrentDictionary<string, Entry> _ids = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Posting> _postings = new(StringComparer.Ordinal);
    private long _count;

    internal long Count => Volatile.Read(ref _count);

    internal bool TryGet(string id, out Entry entry) => _ids.TryGetValue(id, out entry!);

    /// <summary>Creates or updates <paramref name="id"/>. Single writer only.</summary>
    internal void Put(string id, long version, long sequence, string[] terms)
    {
        if (_ids.TryGetValue(id, out var e))
        {
            foreach (var t in e.Terms)
                if (Array.IndexOf(terms, t) < 0) RemovePosting(t, e);
            foreach (var t in terms)
                if (Array.IndexOf(e.Terms, t) < 0) AddPosting(t, e);
            Volatile.Write(ref e.Terms, terms);
            Volatile.Write(ref e.Version, version);
            return;
        }
        e = new Entry(id, sequence, version, terms);
        foreach (var t in terms) AddPosting(t, e);
        _ids[id] = e;
        Interlocked.Increment(ref _count);
    }

    /// <summary>Removes <paramref name="id"/>. Single writer only.</summary>
    internal void Remove(string id)
    {
        if (!_ids.TryRemove(id, out var e)) return;
        Interlocked.Decrement(ref _count);
        foreach (var t in e.Terms) RemovePosting(t, e);
    }

    private void AddPosting(string term, Entry e)
    {
        var p = _postings.GetOrAdd(term, static _ => new Posting());
        if (p.Set.TryAdd(e, 0)) Interlocked.Increment(ref p.Count);
    }

    private void RemovePosting(string term, Entry e)
    {
        if (_postings.TryGetValue(term, out var p) && p.Set.TryRemove(e, out _))
            Interlocked.Decrement(ref p.Count);
    }

    /// <summary>
    /// Ids whose terms include all of <paramref name="terms"/>, newest first. Starts from the smallest
    /// posting set and probes the others, so the cost follows the most selective term, not the store size.
    /// </summary>
    internal List<string> Find(IReadOnlyList<string> terms)
    {
        var hits = new List<Entry>();
        if (terms.Count == 0)
        {
            foreach (var kv in _ids) hits.Add(kv.Value);
        }
        else
        {
            var postings = new Posting[terms.Count];
            int smallest = 0;
            for (int i = 0; i < terms.Count; i++)
            {
                if (!_postings.TryGetValue(terms[i], out var p) || Volatile.Read(ref p.Count) == 0)
                    return [];
                postings[i] = p;
                if (p.Count < postings[smallest].Count) smallest = i;
            }
            foreach (var kv in postings[smallest].Set)
            {
                bool all = true;
                for (int i = 0; i < postings.Length && all; i++)
                    all = i == smallest || postings[i].Set.ContainsKey(kv.Key);
                if (all) hits.Add(kv.Key);
            }
        }
        hits.Sort(static (a, b) => b.Sequence.CompareTo(a.Sequence));
        var ids = new List<string>(hits.Count);
        foreach (var e in hits) ids.Add(e.Id);
        return ids;
    }
}
