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

    /// <summary>
    /// Entries compared by identity, hashed by their <see cref="Entry.Sequence"/> (fixed and unique per live id): unlike
    /// the object-header hash of <see cref="ReferenceEqualityComparer"/>, nothing to compute and install on first use,
    /// which every new object paid once per large posting (type, state, owner, online …).
    /// </summary>
    private sealed class EntryIdentity : IEqualityComparer<Entry>
    {
        internal static readonly EntryIdentity Instance = new();
        public bool Equals(Entry? x, Entry? y) => ReferenceEquals(x, y);
        public int GetHashCode(Entry e) => e.Sequence.GetHashCode();
    }

    /// <summary>
    /// The ids carrying one term. Most terms (names, links, grants) have a handful of ids, so a small set
    /// is a copy-on-write array (swapped whole: readers see the old or the new one); past
    /// <see cref="SmallLimit"/> it becomes a concurrent dictionary.
    /// </summary>
    private sealed class Posting
    {
        private const int SmallLimit = 16;
        private Entry[] _small = [];
        private ConcurrentDictionary<Entry, byte>? _large;
        internal int Count;

        internal bool Add(Entry e)
        {
            if (Volatile.Read(ref _large) is { } large)
            {
                if (!large.TryAdd(e, 0)) return false;
            }
            else
            {
                var small = _small;
                if (Array.IndexOf(small, e) >= 0) return false;
                if (small.Length < SmallLimit)
                    Volatile.Write(ref _small, [.. small, e]);
                else
                {
                    var d = new ConcurrentDictionary<Entry, byte>(EntryIdentity.Instance);
                    foreach (var x in small) d.TryAdd(x, 0);
                    d.TryAdd(e, 0);
                    Volatile.Write(ref _large, d);
                }
            }
            Interlocked.Increment(ref Count);
            return true;
        }

        internal void Remove(Entry e)
        {
            if (Volatile.Read(ref _large) is { } large)
            {
                if (!large.TryRemove(e, out _)) return;
            }
            else
            {
                var small = _small;
                int i = Array.IndexOf(small, e);
                if (i < 0) return;
                Volatile.Write(ref _small, [.. small.AsSpan(0, i), .. small.AsSpan(i + 1)]);
            }
            Interlocked.Decrement(ref Count);
        }

        internal bool Contains(Entry e) =>
            Volatile.Read(ref _large) is { } large ? large.ContainsKey(e) : Array.IndexOf(Volatile.Read(ref _small), e) >= 0;

        internal void CopyTo(List<Entry> into)
        {
            if (Volatile.Read(ref _large) is { } large)
                foreach (var kv in large) into.Add(kv.Key);
            else
                into.AddRange(Volatile.Read(ref _small));
        }
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
        _postings.GetOrAdd(term, static _ => new Posting()).Add(e);
    }

    private void RemovePosting(string term, Entry e)
    {
        if (_postings.TryGetValue(term, out var p))
        {
            p.Remove(e);
            if (Volatile.Read(ref p.Count) == 0) _postings.TryRemove(term, out _);
        }
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
            postings[smallest].CopyTo(hits);
            int kept = 0;
            for (int h = 0; h < hits.Count; h++)
            {
                var e = hits[h];
                bool all = true;
                for (int i = 0; i < postings.Length && all; i++)
                    all = i == smallest || postings[i].Contains(e);
                if (all) hits[kept++] = e;
            }
            hits.RemoveRange(kept, hits.Count - kept);
        }
        hits.Sort(static (a, b) => b.Sequence.CompareTo(a.Sequence));
        var ids = new List<string>(hits.Count);
        foreach (var e in hits) ids.Add(e.Id);
        return ids;
    }
}
