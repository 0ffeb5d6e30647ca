using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Text;
using Kms.Engine.Model;
using Kms.Ttlv;

namespace Kms.Engine.Storage;

/// <summary>
/// One decoded object as the read fast path sees it. Immutable by contract: <see cref="Object"/> is shared by
/// every reader and must never be changed (operations that change objects load their own copy through
/// <see cref="UnitOfWork"/>).
/// </summary>
internal sealed class CachedObject
{
    internal CachedObject(ManagedObject obj)
    {
        Object = obj;
        EncodedValue = obj.Value?.ToBytes();
        // The conditions under which GetOperation returns the object as stored without writing (see GetOperation):
        // not destroyed, key material present, not archived, extractable, not sensitive (no wrapping requested
        // on the fast path) and not Fresh (the first Get clears Fresh with a durable write).
        Gettable = !obj.IsDestroyed && obj.Value is not null && !obj.Archived
            && obj.Get(Tag.Extractable) is not { Bool: false }
            && obj.Get(Tag.Sensitive) is not { Bool: true }
            && obj.Get(Tag.Fresh) is not { Bool: true };
        StoredFormat = obj.Value?.Find(Tag.KeyBlock)?.Find(Tag.KeyFormatType) is { Type: ItemType.Enumeration } format ? format.UInt32 : null;
        if (!obj.IsDestroyed && obj.Value is not null && !obj.Archived) SymmetricKey = CipherKey.TryCreate(obj);
    }

    /// <summary>The decoded object; read-only.</summary>
    public ManagedObject Object { get; }

    /// <summary>The object structure (Symmetric Key, …) encoded once, as the tree path would encode it; null once destroyed.</summary>
    public byte[]? EncodedValue { get; }

    /// <summary>Whether a plain Get (no format conversion, wrapping or compression) returns <see cref="EncodedValue"/> with no write.</summary>
    public bool Gettable { get; }

    /// <summary>The Key Format Type of the stored key block, if any (a Get asking for it gets the object as stored).</summary>
    public uint? StoredFormat { get; }

    /// <summary>The raw key and stored cipher parameters of a Symmetric Key or Secret Data usable by Encrypt/Decrypt, else null.</summary>
    public CipherKey? SymmetricKey { get; }
}

/// <summary>
/// What single-part symmetric Encrypt/Decrypt needs from a key object, read once when the object is cached: the key
/// bytes (as <see cref="Operations.CryptoSupport.SymmetricKey"/> reads them), the facts its usability at a given time
/// depends on (<see cref="Operations.KeyUse"/>, Usage Limits) and the object's Cryptographic Parameters
/// fields that drive a symmetric cipher (as <see cref="Operations.CryptoSupport.Parameters"/> merges them under a
/// request's).
/// </summary>
internal sealed class CipherKey
{
    private CipherKey(byte[] key, ManagedObject obj)
    {
        Key = key;
        Use = Operations.KeyUse.Of(obj);
        HasUsageLimits = Operations.UsageLimits.Applies(obj);
        DefaultAlgorithm = Operations.CryptoSupport.Algorithm(obj);
        if (obj.Get(Tag.CryptographicParameters) is { Type: ItemType.Structure } stored)
        {
            StoredAlgorithm = stored.Find(Tag.CryptographicAlgorithm) is { Type: ItemType.Enumeration } a ? a.UInt32 : null;
            StoredMode = stored.Find(Tag.BlockCipherMode) is { Type: ItemType.Enumeration } m ? m.UInt32 : null;
            StoredPadding = stored.Find(Tag.PaddingMethod) is { Type: ItemType.Enumeration } p ? p.UInt32 : null;
            StoredTagLength = stored.Find(Tag.TagLength) is { Type: ItemType.Integer } t ? t.Int32 : null;
        }
    }

    public byte[] Key { get; }

    /// <summary>The key's state, dates and usage mask, for <see cref="Operations.CryptoSupport.KeyFault(in Operations.KeyUse, long, CryptographicUsageMask, ReadOnlySpan{State})"/> at each request.</summary>
    public Operations.KeyUse Use { get; }

    /// <summary>Whether the object has a Usage Limits budget (<see cref="Operations.UsageLimits.Applies"/>).</summary>
    public bool HasUsageLimits { get; }

    public CryptographicAlgorithm DefaultAlgorithm { get; }
    public uint? StoredAlgorithm { get; }
    public uint? StoredMode { get; }
    public uint? StoredPadding { get; }
    public int? StoredTagLength { get; }

    internal static CipherKey? TryCreate(ManagedObject obj)
    {
        if (obj.ObjectType is not (ObjectType.SymmetricKey or ObjectType.SecretData)) return null;
        var block = obj.Value?.Find(Tag.KeyBlock);
        if (block is null || block.Find(Tag.KeyWrappingData) is not null) return null;
        try
        {
            return new CipherKey(Operations.CryptoSupport.SymmetricKey(obj), obj);
        }
        catch (KmipFault)
        {
            return null; // a format the cipher operations refuse: the tree path reports it
        }
    }
}

/// <summary>
/// The engine's view of its <see cref="IObjectStore"/>: every read and commit passes through here, and it keeps a
/// bounded cache of decoded objects (id → <see cref="CachedObject"/>) for the allocation-free read path
/// (<see cref="Messages.FastPath"/>). Wrapping the store (rather than hooking each caller) means no commit path can
/// forget to invalidate: <see cref="UnitOfWork"/>, <see cref="Access.AccessControl"/> and any later one all commit here.
/// </summary>
/// <remarks>
/// <para><b>Linearisability.</b> A commit first marks each of its ids' stripes as being written (writers + 1,
/// generation + 1) and drops their entries, then commits to the store, then (generation + 1, writers − 1) drops
/// them again. While a stripe has a writer, nothing is installed in it and every read of its ids misses and goes to
/// the store, so a cached read never returns an object older than one a store read has already returned. A reader
/// that misses notes the stripe's generation (only when it has no writer), reads and decodes the record, and
/// installs the entry only if, under the stripe lock, the stripe still has no writer and the same generation: a
/// read that raced a commit never installs a stale entry.</para>
/// <para><b>Bound.</b> At most <see cref="EngineOptions.ObjectCacheEntries"/> entries (approximately, under races);
/// when full, the cache is emptied and refills with what is read next (removing is always safe).</para>
/// <para><b>Per-thread memo.</b> <see cref="TryGetUtf8"/> first looks in a memo of the last <see cref="MemoWays"/> entries
/// this thread found (id UTF-8 bytes → entry, with the stripe's generation when it was found while the stripe had no
/// writer), skipping the id decoding and the dictionary. A memo is used only while its stripe's generation is
/// unchanged: every commit touching the id bumps the generation before it writes the store, so once a commit is
/// acknowledged no memo taken before it matches (the same argument as for the dictionary). A memo is taken only from an
/// entry the dictionary returned between two reads of the same generation with no writer in between, or one installed
/// under the stripe lock.</para>
/// <para>Time-driven state (activation and deactivation dates) is not cached: callers evaluate it at read time.</para>
/// </remarks>
internal sealed class ObjectCache : IObjectStore
{
    private const int Stripes = 1024;

    /// <summary>Entries remembered per thread by <see cref="TryGetUtf8"/>.</summary>
    internal const int MemoWays = 4;

    /// <summary>Longest Unique Identifier (UTF-8 bytes) <see cref="TryGetUtf8"/> serves; longer ones are not found.</summary>
    internal const int MaxIdBytes = 256;

    /// <summary>
    /// One remembered lookup of this thread: the id bytes that found <see cref="Entry"/> in the cache whose generation
    /// array is <see cref="Generations"/> (identifying the cache without keeping the cache and its store alive), valid
    /// while that stripe's generation is <see cref="Generation"/>.
    /// </summary>
    private sealed class Memo
    {
        internal readonly byte[] Id = new byte[MaxIdBytes];
        internal int IdLength;
        internal long[]? Generations;
        internal int Stripe;
        internal long Generation;
        internal CachedObject? Entry;
    }

    [ThreadStatic] private static Memo[]? t_memos;
    [ThreadStatic] private static int t_nextMemo;

    private readonly IObjectStore _inner;
    private readonly int _capacity;
    private readonly ConcurrentDictionary<string, CachedObject> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, CachedObject>.AlternateLookup<ReadOnlySpan<char>> _bySpan;
    private readonly Lock[] _locks = new Lock[Stripes];
    private readonly int[] _writers = new int[Stripes];
    private readonly long[] _generations = new long[Stripes];
    private int _count;

    internal ObjectCache(IObjectStore inner, int capacity)
    {
        _inner = inner;
        _capacity = Math.Max(0, capacity);
        _bySpan = _entries.GetAlternateLookup<ReadOnlySpan<char>>();
        for (int i = 0; i < Stripes; i++) _locks[i] = new Lock();
    }

    /// <summary>The wrapped store.</summary>
    internal IObjectStore Inner => _inner;

    /// <summary>Entries currently cached (approximate; for tests).</summary>
    internal int CachedCount => _entries.Count;

    /// <summary>
    /// The decoded object <paramref name="id"/>, from the cache (no allocation) or, on a miss, read from the store,
    /// decoded and installed. False when the object does not exist.
    /// </summary>
    /// <exception cref="InvalidOperationException">The store failed (e.g. an integrity check); the caller falls back.</exception>
    public bool TryGet(ReadOnlySpan<char> id, [NotNullWhen(true)] out CachedObject? entry)
        => TryGet(id, default, out entry);

    /// <summary>
    /// <see cref="TryGet(ReadOnlySpan{char}, out CachedObject?)"/> for an id given as UTF-8 (valid, at most
    /// <see cref="MaxIdBytes"/> bytes, else not found), first from this thread's memo (no decoding, no dictionary).
    /// </summary>
    /// <exception cref="InvalidOperationException">The store failed (e.g. an integrity check); the caller falls back.</exception>
    [SkipLocalsInit] // the char buffer is read only as far as GetChars wrote it
    public bool TryGetUtf8(ReadOnlySpan<byte> idUtf8, [NotNullWhen(true)] out CachedObject? entry)
    {
        entry = null;
        if (idUtf8.Length is 0 or > MaxIdBytes) return false;
        if (t_memos is { } memos)
        {
            foreach (var m in memos)
            {
                if (m.Generations == _generations && m.Id.AsSpan(0, m.IdLength).SequenceEqual(idUtf8)
                    && Volatile.Read(ref _generations[m.Stripe]) == m.Generation)
                {
                    entry = m.Entry!;
                    return true;
                }
            }
        }
        Span<char> id = stackalloc char[MaxIdBytes];
        id = id[..Encoding.UTF8.GetChars(idUtf8, id)];
        return TryGet(id, idUtf8, out entry);
    }

    // idUtf8: the id's UTF-8 bytes to remember the entry under for this thread, or empty for no memo.
    private bool TryGet(ReadOnlySpan<char> id, ReadOnlySpan<byte> idUtf8, [NotNullWhen(true)] out CachedObject? entry)
    {
        int stripe = Stripe(id);
        // The generation before and after the lookup, with no writer: the entry found is the one committed at that generation.
        long before = Volatile.Read(ref _generations[stripe]);
        bool idle = Volatile.Read(ref _writers[stripe]) == 0;
        if (_bySpan.TryGetValue(id, out entry))
        {
            if (idle && !idUtf8.IsEmpty && Volatile.Read(ref _generations[stripe]) == before) Remember(idUtf8, stripe, before, entry);
            return true;
        }
        return TryLoad(new string(id), stripe, idUtf8, out entry);
    }

    private bool TryLoad(string id, int stripe, ReadOnlySpan<byte> idUtf8, [NotNullWhen(true)] out CachedObject? entry)
    {
        long generation = -1;
        lock (_locks[stripe])
        {
            if (_writers[stripe] == 0) generation = _generations[stripe];
        }
        entry = null;
        if (!_inner.TryRead(id, out var record)) return false;
        entry = new CachedObject(ObjectCodec.Deserialize(record));
        if (generation < 0 || _capacity == 0) return true;
        lock (_locks[stripe])
        {
            if (_writers[stripe] != 0 || _generations[stripe] != generation) return true;
            if (Volatile.Read(ref _count) >= _capacity)
            {
                // Full: start over (any entry may be dropped at any time; every stripe lock is not needed for that).
                _entries.Clear();
                Volatile.Write(ref _count, 0);
            }
            if (_entries.TryAdd(id, entry)) Interlocked.Increment(ref _count);
        }
        if (!idUtf8.IsEmpty) Remember(idUtf8, stripe, generation, entry);
        return true;
    }

    /// <summary>Remembers <paramref name="entry"/> for this thread, replacing the oldest memo.</summary>
    private void Remember(ReadOnlySpan<byte> idUtf8, int stripe, long generation, CachedObject entry)
    {
        var memos = t_memos ??= [new(), new(), new(), new()];
        var m = memos[t_nextMemo];
        t_nextMemo = (t_nextMemo + 1) % MemoWays;
        idUtf8.CopyTo(m.Id);
        m.IdLength = idUtf8.Length;
        m.Generations = _generations;
        m.Stripe = stripe;
        m.Generation = generation;
        m.Entry = entry;
    }

    /// <inheritdoc/>
    public bool TryRead(string id, [NotNullWhen(true)] out ObjectRecord? record) => _inner.TryRead(id, out record);

    /// <inheritdoc/>
    public ValueTask<CommitStatus> CommitAsync(IReadOnlyList<ObjectWrite> writes)
    {
        ArgumentNullException.ThrowIfNull(writes);
        int begun = 0;
        ValueTask<CommitStatus> pending;
        try
        {
            for (; begun < writes.Count; begun++) BeginWrite(writes[begun].Id);
            pending = _inner.CommitAsync(writes);
        }
        catch
        {
            EndWrites(writes, begun);
            throw;
        }
        if (!pending.IsCompleted) return AwaitThenEnd(pending, writes);
        EndWrites(writes, begun);
        return pending;
    }

    // The ids stay marked as being written until the commit is durable and applied: no read installs an entry meanwhile.
    private async ValueTask<CommitStatus> AwaitThenEnd(ValueTask<CommitStatus> pending, IReadOnlyList<ObjectWrite> writes)
    {
        try
        {
            return await pending.ConfigureAwait(false);
        }
        finally
        {
            EndWrites(writes, writes.Count);
        }
    }

    private void EndWrites(IReadOnlyList<ObjectWrite> writes, int begun)
    {
        for (int i = 0; i < begun; i++) EndWrite(writes[i].Id);
    }

    private void BeginWrite(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        int stripe = Stripe(id);
        lock (_locks[stripe])
        {
            // Writer count first, then generation (volatile: lock-free readers see them in this order).
            Volatile.Write(ref _writers[stripe], _writers[stripe] + 1);
            Volatile.Write(ref _generations[stripe], _generations[stripe] + 1);
            Drop(id);
        }
    }

    private void EndWrite(string id)
    {
        int stripe = Stripe(id);
        lock (_locks[stripe])
        {
            Volatile.Write(ref _generations[stripe], _generations[stripe] + 1);
            Volatile.Write(ref _writers[stripe], _writers[stripe] - 1);
            Drop(id);
        }
    }

    private void Drop(string id)
    {
        if (_entries.TryRemove(id, out _)) Interlocked.Decrement(ref _count);
    }

    private static int Stripe(ReadOnlySpan<char> id) => (int)((uint)string.GetHashCode(id) % Stripes);

    /// <inheritdoc/>
    public IReadOnlyList<string> FindByTerms(IReadOnlyList<string> terms) => _inner.FindByTerms(terms);

    /// <inheritdoc/>
    public long Count => _inner.Count;

    /// <inheritdoc/>
    public bool IsHealthy() => _inner.IsHealthy();

    /// <inheritdoc/>
    public void Dispose()
    {
        _entries.Clear();
        _inner.Dispose();
    }
}
