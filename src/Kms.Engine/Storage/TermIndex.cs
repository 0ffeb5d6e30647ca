using System.Collections.Concurrent;

namespace Kms.Engine.Storage;

/// <summary>
/// In-memory inverted index (term → posting set of ids) plus the per-id state the store checks versions
/// against. Rebuilt from the records on open. One writer (the store's commit loop) and any number of
/// lock-free readers: the id and term maps are <see cref="ConcurrentDictionary{TKey,TValue}"/>s, and postings and
/// the sequence table are arrays the writer changes with volatile writes (a reader sees each change whole).
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
    /// Live entries by <see cref="Entry.Sequence"/> (unique per id, handed out in increasing order), in chunks of
    /// <see cref="ChunkBits"/> slots allocated on first use and dropped when their last entry goes: the large postings
    /// hold sequence numbers, and this turns them back into entries. Slots are written by the single writer and
    /// read without a lock; an emptied slot reads as null and is skipped.
    /// </summary>
    private sealed class SequenceTable
    {
        private sealed class Chunk
        {
            internal readonly Entry?[] Slots = new Entry?[1 << ChunkBits];
            internal int Live;
        }

        private Chunk?[] _chunks = new Chunk?[16];

        internal Entry? this[long sequence]
        {
            get
            {
                var chunks = Volatile.Read(ref _chunks);
                long c = sequence >> ChunkBits;
                return c < chunks.Length && Volatile.Read(ref chunks[c]) is { } chunk ? Volatile.Read(ref chunk.Slots[sequence & ChunkMask]) : null;
            }
        }

        internal void Set(Entry e)
        {
            long c = e.Sequence >> ChunkBits;
            var chunks = _chunks;
            if (c >= chunks.Length)
            {
                var grown = new Chunk?[Math.Max(chunks.Length * 2, c + 1)];
                chunks.CopyTo(grown, 0);
                Volatile.Write(ref _chunks, chunks = grown);
            }
            var chunk = chunks[c];
            if (chunk is null) Volatile.Write(ref chunks[c], chunk = new Chunk());
            chunk.Live++;
            Volatile.Write(ref chunk.Slots[e.Sequence & ChunkMask], e);
        }

        internal void Clear(Entry e)
        {
            long c = e.Sequence >> ChunkBits;
            var chunk = _chunks[c]!;
            Volatile.Write(ref chunk.Slots[e.Sequence & ChunkMask], null);
            if (--chunk.Live == 0) Volatile.Write(ref _chunks[c], null);
        }
    }

    private const int ChunkBits = 12; // 4096 sequences per chunk: 32 KiB of entry slots, 512 bytes of posting bits
    private const long ChunkMask = (1 << ChunkBits) - 1;

    /// <summary>
    /// The ids carrying one term. Most terms (names, links, grants) have a handful of ids, so a small set is a
    /// copy-on-write array (swapped whole: readers see the old or the new one). Past <see cref="SmallLimit"/> it becomes
    /// a bitmap over sequence numbers, in chunks of <see cref="ChunkBits"/> bits allocated on first use and dropped when
    /// emptied: adding or removing an id flips a bit (no allocation, no object per id for the collector to trace and
    /// promote, which per-id dictionary nodes cost on every create), and a membership test is one bit test.
    /// </summary>
    private sealed class Posting(SequenceTable entries)
    {
        private const int SmallLimit = 16;
        private Entry[] _small = [];
        private ulong[]?[]? _bits; // chunk → 64 words; null while small
        private int[]? _chunkCounts;
        internal int Count;

        internal bool Add(Entry e)
        {
            if (_bits is null)
            {
                var small = _small;
                if (Array.IndexOf(small, e) >= 0) return false;
                if (small.Length < SmallLimit)
                {
                    Volatile.Write(ref _small, [.. small, e]);
                    Interlocked.Increment(ref Count);
                    return true;
                }
                // Fill the bitmap before readers switch to it. The array stays as it is: a reader that saw no bitmap
                // yet still reads the full array (emptying it could show that reader an empty posting).
                _chunkCounts = [];
                var bits = new ulong[]?[0];
                foreach (var x in small) SetBit(ref bits, x.Sequence);
                Volatile.Write(ref _bits, bits);
            }
            var current = _bits;
            if (!SetBit(ref current, e.Sequence)) return false;
            if (!ReferenceEquals(current, _bits)) Volatile.Write(ref _bits, current);
            Interlocked.Increment(ref Count);
            return true;
        }

        /// <summary>Sets the bit of <paramref name="sequence"/>, growing the chunk directory (a new array, published by the caller) as needed.</summary>
        private bool SetBit(ref ulong[]?[] bits, long sequence)
        {
            long c = sequence >> ChunkBits;
            if (c >= bits.Length)
            {
                var grown = new ulong[]?[Math.Max(bits.Length * 2, c + 1)];
                bits.CopyTo(grown, 0);
                bits = grown;
                Array.Resize(ref _chunkCounts, grown.Length);
            }
            var chunk = bits[c];
            if (chunk is null) Volatile.Write(ref bits[c], chunk = new ulong[1 << (ChunkBits - 6)]);
            int w = (int)((sequence & ChunkMask) >> 6);
            ulong mask = 1UL << (int)(sequence & 63);
            if ((chunk[w] & mask) != 0) return false;
            Volatile.Write(ref chunk[w], chunk[w] | mask);
            _chunkCounts![c]++;
            return true;
        }

        internal void Remove(Entry e)
        {
            if (_bits is not { } bits)
            {
                var small = _small;
                int i = Array.IndexOf(small, e);
                if (i < 0) return;
                Volatile.Write(ref _small, [.. small.AsSpan(0, i), .. small.AsSpan(i + 1)]);
            }
            else
            {
                long c = e.Sequence >> ChunkBits;
                if (c >= bits.Length || bits[c] is not { } chunk) return;
                int w = (int)((e.Sequence & ChunkMask) >> 6);
                ulong mask = 1UL << (int)(e.Sequence & 63);
                if ((chunk[w] & mask) == 0) return;
                Volatile.Write(ref chunk[w], chunk[w] & ~mask);
                if (--_chunkCounts![c] == 0) Volatile.Write(ref bits[c], null);
            }
            Interlocked.Decrement(ref Count);
        }

        internal bool Contains(Entry e)
        {
            if (Volatile.Read(ref _bits) is not { } bits) return Array.IndexOf(Volatile.Read(ref _small), e) >= 0;
            long c = e.Sequence >> ChunkBits;
            return c < bits.Length && Volatile.Read(ref bits[c]) is { } chunk
                && (Volatile.Read(ref chunk[(int)((e.Sequence & ChunkMask) >> 6)]) & (1UL << (int)(e.Sequence & 63))) != 0;
        }

        internal void CopyTo(List<Entry> into)
        {
            if (Volatile.Read(ref _bits) is not { } bits)
            {
                into.AddRange(Volatile.Read(ref _small));
                return;
            }
            for (int c = 0; c < bits.Length; c++)
            {
                if (Volatile.Read(ref bits[c]) is not { } chunk) continue;
                for (int w = 0; w < chunk.Length; w++)
                {
                    ulong word = Volatile.Read(ref chunk[w]);
                    while (word != 0)
                    {
                        long sequence = ((long)c << ChunkBits) | ((long)w << 6) | (long)System.Numerics.BitOperations.TrailingZeroCount(word);
                        word &= word - 1;
                        // Null when the entry was removed after its bit was read.
                        if (entries[sequence] is { } e) into.Add(e);
                    }
                }
            }
        }
    }

    private readonly ConcurrentDictionary<string, Entry> _ids = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Posting> _postings = new(StringComparer.Ordinal);
    private readonly SequenceTable _bySequence = new();
    private string[] _lastTerms = [];
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
        e = new Entry(id, sequence, version, Shared(terms));
        _bySequence.Set(e); // before any posting can name the sequence
        foreach (var t in terms) AddPosting(t, e);
        _ids[id] = e;
        Interlocked.Increment(ref _count);
    }

    /// <summary>
    /// <paramref name="terms"/>, or the previous new entry's array when it holds the same terms: consecutive objects
    /// mostly do (same owner, type, state, algorithm, length), and every array an entry keeps is one more object each
    /// collection copies from generation to generation. Entries never change a terms array, they replace it.
    /// </summary>
    private string[] Shared(string[] terms)
    {
        var last = _lastTerms;
        if (last.Length == terms.Length)
        {
            int i = 0;
            while (i < terms.Length && string.Equals(last[i], terms[i], StringComparison.Ordinal)) i++;
            if (i == terms.Length) return last;
        }
        return _lastTerms = terms;
    }

    /// <summary>Removes <paramref name="id"/>. Single writer only.</summary>
    internal void Remove(string id)
    {
        if (!_ids.TryRemove(id, out var e)) return;
        Interlocked.Decrement(ref _count);
        foreach (var t in e.Terms) RemovePosting(t, e);
        _bySequence.Clear(e);
    }

    private void AddPosting(string term, Entry e)
    {
        _postings.GetOrAdd(term, static (_, entries) => new Posting(entries), _bySequence).Add(e);
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
