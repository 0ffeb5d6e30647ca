using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using FASTER.core;

namespace Kms.Engine.Storage;

using KvFunctions = SpanByteFunctions_ByteArrayOutput<Empty>;
using KvSession = ClientSession<SpanByte, SpanByte, SpanByte, byte[], Empty, SpanByteFunctions_ByteArrayOutput<Empty>>;

/// <summary>
/// <see cref="IObjectStore"/> on Microsoft.FASTER.Core: a write-ahead log (<see cref="WriteAheadLog"/>, group commit)
/// in front of a FasterKV holding the sealed records, an in-memory inverted index, and AES-256-GCM at rest.
/// </summary>
/// <remarks>
/// <para><b>Commit path.</b> The caller briefly takes the striped locks of its ids (sorted order, so no deadlock):
/// if another commit in flight owns one of the stripes, it waits for that commit's task (no thread blocked) and
/// tries again; otherwise it checks every expected version against the index, makes itself the owner of its
/// stripes and drops the locks. It then seals the new records into one log entry holding the whole commit, hands
/// it to the commit loop and returns a task. The commit loop (one thread) gathers every waiting entry into one
/// log group, seals and writes it and waits for its fsync (one per group), applies the entries to FasterKV and
/// the index, frees their stripes and completes their tasks (continuations run on the thread pool). No caller
/// thread waits for the disk.</para>
/// <para><b>Linearisation point.</b> A commit takes effect when the commit loop applies it, after it is durable
/// and while it still owns the stripes of all its ids. Commits on disjoint stripes share nothing; commits
/// sharing a stripe are ordered by its ownership, and that order is also their order in the log.
/// Reads take no lock and see each write once it is applied; a reader racing a multi-write commit may see
/// some of its writes before the others (durability and conflict checks are all-or-nothing).</para>
/// <para><b>Recovery.</b> FasterKV recovers its latest checkpoint, which carries the log address below which
/// every entry was applied before the checkpoint began; the log from that address is replayed (each group
/// authenticated by its GCM tag and applied whole: replay is a blind re-apply in log order, so re-applying
/// entries already in the checkpoint is harmless). A group is either durable whole or absent (a torn last group
/// fails its tag and ends the log). The index is rebuilt from the records.</para>
/// </remarks>
public sealed class FasterObjectStore : IObjectStore
{
    private const int LockStripes = 4096;
    private const int FullIndexEvery = 8;
    private static readonly TimeSpan GroupWindow = TimeSpan.FromMicroseconds(200);
    private static ReadOnlySpan<byte> MetaKey => "meta"u8; // 4 bytes: never a 16-byte storage key

    private readonly FasterStoreOptions _options;
    private readonly FileStream _dirLock;
    private readonly StoreCrypto _crypto;
    private readonly IDevice _kvDevice;
    private readonly DeviceLogCommitCheckpointManager _checkpoints;
    private readonly FasterKV<SpanByte, SpanByte> _kv;
    private readonly WriteAheadLog _log;
    private readonly ConcurrentQueue<KvSession> _sessions = new();
    private readonly KvSession _applySession;
    private readonly TermIndex _index = new();
    private readonly object[] _locks;
    private readonly PendingCommit?[] _owners = new PendingCommit?[LockStripes];
    private int _preparing; // commits that own their stripes and are being sealed, not yet queued
    private readonly int _maxEntryBytes;

    private readonly ConcurrentQueue<PendingCommit> _queue = new();
    private readonly ManualResetEventSlim _wake = new(false);
    private readonly Thread _committer;
    private volatile bool _stopping;
    private volatile bool _committerExited;
    private volatile Exception? _failure;
    private long _nextSequence;
    private long _groupCommits;

    // Checkpoint state, touched only by the commit loop.
    private int _commitsSinceCheckpoint;
    private long _lastCheckpointTicks;
    private Task? _checkpointTask;
    private long _checkpointCovers;
    private int _checkpointsTaken;
    private long _garbageRecords;
    private int _compactions;
    private bool _disposed;

    private FasterObjectStore(FasterStoreOptions options)
    {
        _options = options;
        string root = options.DataDirectory;
        try
        {
            // One process (and one instance) per data directory: FileShare.None is an exclusive flock on Unix,
            // released by the OS if the process dies.
            _dirLock = new FileStream(Path.Combine(root, "store.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new InvalidOperationException($"The data directory '{root}' is in use by another store instance.", e);
        }
        if (options.ClearOnStart)
            foreach (var sub in new[] { "wal", "kv", "checkpoints", "keys" })
                if (Directory.Exists(Path.Combine(root, sub))) Directory.Delete(Path.Combine(root, sub), recursive: true);
        foreach (var sub in new[] { "wal", "kv", "checkpoints", "keys" })
            Directory.CreateDirectory(Path.Combine(root, sub));

        Span<byte> sealKey = stackalloc byte[StoreKeys.KeySize];
        Span<byte> idKey = stackalloc byte[StoreKeys.KeySize];
        try
        {
            StoreKeys.Open(options, sealKey, idKey);
            _crypto = new StoreCrypto(sealKey, idKey);
        }
        catch
        {
            _dirLock.Dispose();
            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(sealKey);
            CryptographicOperations.ZeroMemory(idKey);
        }

        _locks = new object[LockStripes];
        for (int i = 0; i < _locks.Length; i++) _locks[i] = new object();
        _maxEntryBytes = (int)Math.Min(options.PageBytes / 2, int.MaxValue);

        try
        {
            string hlog = Path.Combine(root, "kv", "hlog.log");
            _checkpoints = new DeviceLogCommitCheckpointManager(
                options.BufferedKvLog ? new LocalStorageNamedDeviceFactory() : new DirectCheckpointDeviceFactory(),
                new DefaultCheckpointNamingScheme(Path.GetFullPath(Path.Combine(root, "checkpoints"))), removeOutdated: true);
            _kvDevice = (options.BufferedKvLog ? null : DirectLogDevice.TryCreate(hlog))
                ?? Devices.CreateLogDevice(hlog, preallocateFile: false);
            _kv = new FasterKV<SpanByte, SpanByte>(new FasterKVSettings<SpanByte, SpanByte>
            {
                IndexSize = Math.Max(options.IndexBuckets, 1024) * 64,
                LogDevice = _kvDevice,
                MemorySize = options.KvMemoryBytes,
                PageSize = options.PageBytes,
                CheckpointManager = _checkpoints,
                TryRecoverLatest = false, // recovered below, so that a failure is not silently swallowed
            });
            bool kvRecovered = false;
            string cprDir = Path.Combine(root, "checkpoints", "cpr-checkpoints");
            if (Directory.Exists(cprDir) && Directory.EnumerateDirectories(cprDir).Any())
            {
                try { _kv.Recover(); kvRecovered = true; }
                catch (FasterException) { /* no complete checkpoint yet: checked against the log below */ }
            }
            _applySession = NewSession();

            // A segment holds at least two of the largest entries (half a page each), so every entry fits in a group.
            _log = new WriteAheadLog(Path.Combine(root, "wal"), Math.Max(options.LogSegmentBytes, 2 * options.PageBytes), _crypto);

            Recover(kvRecovered);
        }
        catch
        {
            // A store that fails to open (wrong key, damaged data) leaves no open file behind.
            _dirLock.Dispose();
            _applySession?.Dispose();
            _log?.Dispose();
            _kv?.Dispose();
            _checkpoints?.Dispose();
            _kvDevice?.Dispose();
            _crypto.Dispose();
            _wake.Dispose();
            throw;
        }
        _lastCheckpointTicks = Stopwatch.GetTimestamp();
        _committer = new Thread(CommitLoop) { IsBackground = true, Name = "kms-store-commit" };
        _committer.Start();
    }

    /// <summary>Opens (recovering if needed) or creates the store described by <paramref name="options"/>.</summary>
    /// <exception cref="InvalidOperationException">The master key is missing, malformed or wrong, or the data is corrupt.</exception>
    public static FasterObjectStore Open(FasterStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.DataDirectory);
        Directory.CreateDirectory(options.DataDirectory);
        return new FasterObjectStore(options);
    }

    /// <inheritdoc/>
    public long Count => _index.Count;

    /// <summary>The data directory (layout: see <see cref="FasterStoreOptions"/>).</summary>
    public string DataDirectory => _options.DataDirectory;

    /// <summary>Number of log commits (fsyncs) so far; commits ÷ this = average group size. For benchmarks.</summary>
    internal long GroupCommits => Interlocked.Read(ref _groupCommits);

    /// <summary>The write-ahead log's begin address: it moves forward when a checkpoint truncates the log (tests).</summary>
    internal long LogBeginAddress => _log.BeginAddress;

    /// <summary>The FasterKV hybrid log's begin address: it moves forward when the log is compacted (tests).</summary>
    internal long KvBeginAddress => _kv.Log.BeginAddress;

    /// <summary>Number of hybrid-log compactions so far (tests; read after the store is quiet).</summary>
    internal int Compactions => Volatile.Read(ref _compactions);

    /// <summary>
    /// True when the FasterKV hybrid log writes with O_DIRECT|O_DSYNC (<see cref="DirectLogDevice"/>; index checkpoints
    /// too, through <see cref="DirectCheckpointDeviceFactory"/>), false on FASTER's own O_SYNC device.
    /// </summary>
    internal bool KvLogIsDirect => _kvDevice is DirectLogDevice;

    private KvSession NewSession() => _kv.For(new KvFunctions()).NewSession<KvFunctions>();

    // ---------------------------------------------------------------- recovery

    private void Recover(bool kvRecovered)
    {
        long covered = 0;
        if (TryReadRaw(_applySession, MetaKey, out var meta) && meta.Length == 8)
            covered = BinaryPrimitives.ReadInt64LittleEndian(meta);
        // Starting without a checkpoint is only sound if the log still holds everything (never truncated).
        _log.Replay(covered, logMayStartLater: kvRecovered, ApplyLogGroup); // counts the replayed commits in _commitsSinceCheckpoint

        // Rebuild the index from a raw scan of the hybrid log in address order: the last record of a key
        // wins and a tombstone removes it; live records are then read back through the session. (The session's deduplicating iterator is not used: in 2.6.5 its
        // second phase returns corrupted SpanByte keys.)
        var live = new Dictionary<UInt128, bool>();
        long scanned = 0;
        using (var iter = _kv.Log.Scan(_kv.Log.BeginAddress, _kv.Log.TailAddress))
        {
            while (iter.GetNext(out RecordInfo info))
            {
                ref SpanByte key = ref iter.GetKey();
                if (key.Length != StoreCrypto.StorageKeySize) continue;
                var k = BinaryPrimitives.ReadUInt128LittleEndian(key.AsReadOnlySpan());
                live[k] = !info.Tombstone;
                scanned++;
            }
        }
        long maxSequence = 0;
        Span<byte> storageKey = stackalloc byte[StoreCrypto.StorageKeySize];
        foreach (var (k, isLive) in live)
        {
            if (!isLive) continue;
            BinaryPrimitives.WriteUInt128LittleEndian(storageKey, k);
            if (!TryReadRaw(_applySession, storageKey, out var value) || !TryDecode(storageKey, value, out long version, out long sequence, out string id, out string[] terms, out _))
                throw new InvalidOperationException("A stored record fails its integrity check: the data directory is corrupt.");
            _index.Put(id, version, sequence, terms);
            maxSequence = Math.Max(maxSequence, sequence);
        }
        _nextSequence = maxSequence;
        _garbageRecords = scanned - _index.Count;
        if (!TryReadRaw(_applySession, MetaKey, out _))
            WriteMeta(0);
    }

    /// <summary>Applies one authenticated log group to FasterKV (not to the index): { entry length (4) ‖ entry }*.</summary>
    private void ApplyLogGroup(ReadOnlySpan<byte> group, long address)
    {
        int pos = 0;
        while (pos < group.Length)
        {
            if (group.Length - pos < 4) throw Malformed(address);
            int length = BinaryPrimitives.ReadInt32LittleEndian(group[pos..]);
            pos += 4;
            if (length < 4 || length > group.Length - pos) throw Malformed(address);
            ApplyLogEntry(group.Slice(pos, length), address);
            _commitsSinceCheckpoint++; // one entry per commit, as the commit loop counts them
            pos += length;
        }
    }

    /// <summary>Applies one log entry. Layout: count (4) ‖ { key (16) ‖ length (4, −1 = delete) ‖ sealed record }*.</summary>
    private void ApplyLogEntry(ReadOnlySpan<byte> p, long address)
    {
        int count = BinaryPrimitives.ReadInt32LittleEndian(p);
        int pos = 4;
        for (int i = 0; i < count; i++)
        {
            if (pos + StoreCrypto.StorageKeySize + 4 > p.Length) throw Malformed(address);
            var key = p.Slice(pos, StoreCrypto.StorageKeySize);
            int len = BinaryPrimitives.ReadInt32LittleEndian(p[(pos + StoreCrypto.StorageKeySize)..]);
            pos += StoreCrypto.StorageKeySize + 4;
            if (len < 0) { DeleteRaw(_applySession, key); continue; }
            if (len > p.Length - pos) throw Malformed(address);
            UpsertRaw(_applySession, key, p.Slice(pos, len));
            pos += len;
        }
    }

    private static InvalidOperationException Malformed(long address) => new($"Write-ahead log group at {address} is malformed.");

    // ---------------------------------------------------------------- reads

    /// <inheritdoc/>
    public bool TryRead(string id, [NotNullWhen(true)] out ObjectRecord? record)
    {
        record = null;
        ArgumentNullException.ThrowIfNull(id);
        Span<byte> key = stackalloc byte[StoreCrypto.StorageKeySize];
        if (!_crypto.TryStorageKey(id, key)) return false;
        var session = RentSession();
        try
        {
            if (!TryReadRaw(session, key, out var value)) return false;
            if (!TryDecode(key, value, out long version, out long sequence, out string storedId, out string[] terms, out byte[] body) || storedId != id)
                throw new InvalidOperationException("A stored record fails its integrity check.");
            record = new ObjectRecord(id, version, body, terms, sequence);
            return true;
        }
        finally { ReturnSession(session); }
    }

    /// <inheritdoc/>
    public IReadOnlyList<string> FindByTerms(IReadOnlyList<string> terms)
    {
        ArgumentNullException.ThrowIfNull(terms);
        return _index.Find(terms);
    }

    /// <inheritdoc/>
    public bool IsHealthy()
    {
        if (_failure is not null || _committerExited || _disposed) return false;
        var session = RentSession();
        try { return TryReadRaw(session, MetaKey, out var meta) && meta.Length == 8; }
        catch (Exception) { return false; }
        finally { ReturnSession(session); }
    }

    private KvSession RentSession() => _sessions.TryDequeue(out var s) ? s : NewSession();

    private void ReturnSession(KvSession s)
    {
        if (_disposed) s.Dispose(); else _sessions.Enqueue(s);
    }

    private bool TryDecode(ReadOnlySpan<byte> key, ReadOnlySpan<byte> sealedValue, out long version, out long sequence, out string id, out string[] terms, out byte[] body)
    {
        version = sequence = 0; id = ""; terms = []; body = [];
        if (sealedValue.Length < StoreCrypto.Overhead) return false;
        int n = sealedValue.Length - StoreCrypto.Overhead;
        byte[] plain = ArrayPool<byte>.Shared.Rent(n);
        try
        {
            return _crypto.TryOpen(sealedValue, key, plain.AsSpan(0, n))
                && RecordCodec.TryRead(plain.AsSpan(0, n), out version, out sequence, out id, out terms, out body);
        }
        finally { ArrayPool<byte>.Shared.Return(plain, clearArray: true); }
    }

    private static bool TryReadRaw(KvSession session, ReadOnlySpan<byte> key, out byte[] value)
    {
        value = null!;
        unsafe
        {
            fixed (byte* k = key)
            {
                var sk = SpanByte.FromPointer(k, key.Length);
                byte[] output = null!;
                var status = session.Read(ref sk, ref output);
                if (status.IsPending)
                {
                    session.CompletePendingWithOutputs(out var outputs, wait: true);
                    using (outputs)
                    {
                        if (!outputs.Next()) return false;
                        status = outputs.Current.Status;
                        output = outputs.Current.Output;
                    }
                }
                if (!status.Found) return false;
                value = output;
                return true;
            }
        }
    }

    private static void UpsertRaw(KvSession session, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        unsafe
        {
            fixed (byte* k = key)
            fixed (byte* v = value)
            {
                var sk = SpanByte.FromPointer(k, key.Length);
                var sv = SpanByte.FromPointer(v, value.Length);
                session.Upsert(ref sk, ref sv);
            }
        }
    }

    private static void DeleteRaw(KvSession session, ReadOnlySpan<byte> key)
    {
        unsafe
        {
            fixed (byte* k = key)
            {
                var sk = SpanByte.FromPointer(k, key.Length);
                var status = session.Delete(ref sk);
                if (status.IsPending) session.CompletePending(wait: true);
            }
        }
    }

    // ---------------------------------------------------------------- commits

    /// <inheritdoc/>
    public ValueTask<CommitStatus> CommitAsync(IReadOnlyList<ObjectWrite> writes)
    {
        ArgumentNullException.ThrowIfNull(writes);
        ObjectDisposedException.ThrowIf(_disposed || _stopping, this);
        if (_failure is { } failed)
            throw new InvalidOperationException("The store's write-ahead log has failed; the store must be reopened.", failed);
        int n = writes.Count;
        if (n == 0) return new(CommitStatus.Committed);

        var pending = new PendingCommit(n);
        var stripes = new int[n];
        for (int i = 0; i < n; i++)
        {
            var w = writes[i] ?? throw new ArgumentException("A write is null.", nameof(writes));
            ArgumentNullException.ThrowIfNull(w.Id);
            for (int j = 0; j < i; j++)
                if (string.Equals(writes[j].Id, w.Id, StringComparison.Ordinal))
                    throw new ArgumentException("A commit may touch each id only once.", nameof(writes));
            var key = new byte[StoreCrypto.StorageKeySize];
            if (!_crypto.TryStorageKey(w.Id, key))
                throw new ArgumentException($"An id is longer than {StoreCrypto.MaxIdBytes} UTF-8 bytes.", nameof(writes));
            pending.Keys[i] = key;
            stripes[i] = (int)(BinaryPrimitives.ReadUInt32LittleEndian(key) % LockStripes);
        }
        Array.Sort(stripes);
        int distinct = 0;
        for (int i = 0; i < n; i++)
            if (i == 0 || stripes[i] != stripes[i - 1]) stripes[distinct++] = stripes[i];
        pending.Stripes = distinct == n ? stripes : stripes[..distinct];

        var claim = TryClaim(pending, writes, out var busy);
        return claim switch
        {
            Claim.Claimed => Submit(pending, writes),
            Claim.Conflict => new(CommitStatus.Conflict),
            _ => ClaimAfterAsync(busy!, pending, writes),
        };
    }

    private enum Claim { Claimed, Conflict, Busy }

    /// <summary>
    /// Under the stripe locks of the commit's ids (taken in sorted order, held only for this check): when no other
    /// commit owns any of them, checks every expected version against the applied state and, if they all match,
    /// makes <paramref name="pending"/> the owner of its stripes until the commit loop has applied it. A stripe
    /// owned by another commit yields that commit's task to wait for (<paramref name="busy"/>).
    /// </summary>
    private Claim TryClaim(PendingCommit pending, IReadOnlyList<ObjectWrite> writes, out Task? busy)
    {
        busy = null;
        var stripes = pending.Stripes;
        int taken = 0;
        try
        {
            for (; taken < stripes.Length; taken++) Monitor.Enter(_locks[stripes[taken]]);
            foreach (int s in stripes)
            {
                if (_owners[s] is { } owner)
                {
                    busy = owner.Done.Task;
                    return Claim.Busy;
                }
            }
            // No commit on these stripes is in flight, so the index holds their latest versions.
            for (int i = 0; i < writes.Count; i++)
            {
                var w = writes[i];
                long current = _index.TryGet(w.Id, out var e) ? Volatile.Read(ref e.Version) : 0;
                if (current != w.ExpectedVersion || (w.Body is null && current == 0))
                    return Claim.Conflict;
            }
            foreach (int s in stripes) _owners[s] = pending;
            Interlocked.Increment(ref _preparing);
            return Claim.Claimed;
        }
        finally
        {
            for (int i = taken - 1; i >= 0; i--) Monitor.Exit(_locks[stripes[i]]);
        }
    }

    /// <summary>Waits (without a thread) for the commits that own this commit's stripes, then claims them.</summary>
    private async ValueTask<CommitStatus> ClaimAfterAsync(Task busy, PendingCommit pending, IReadOnlyList<ObjectWrite> writes)
    {
        while (true)
        {
            // The owner's outcome is its own: this commit only needs the stripe to be free again.
            await busy.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).ConfigureAwait(false);
            if (_failure is { } failed)
                throw new InvalidOperationException("The store's write-ahead log has failed; the store must be reopened.", failed);
            switch (TryClaim(pending, writes, out var next))
            {
                case Claim.Claimed: return await Submit(pending, writes).ConfigureAwait(false);
                case Claim.Conflict: return CommitStatus.Conflict;
                default: busy = next!; break;
            }
        }
    }

    /// <summary>
    /// Seals the claimed commit's records into one log entry and hands it to the commit loop. Each record is sealed
    /// straight into the entry (count ‖ { key ‖ length ‖ sealed record }*), which stays rented until the commit is
    /// applied (the records are upserted from it); the log seals the entry again as part of its group. No array per
    /// record or per entry.
    /// </summary>
    private ValueTask<CommitStatus> Submit(PendingCommit pending, IReadOnlyList<ObjectWrite> writes)
    {
        int n = writes.Count;
        try
        {
            int entryLength = 4;
            for (int i = 0; i < n; i++)
            {
                var w = writes[i];
                entryLength += StoreCrypto.StorageKeySize + 4;
                if (w.Body is not { } body) { pending.ValueLengths[i] = -1; continue; }
                string[] terms = DistinctTerms(w.IndexTerms);
                int plainLength = RecordCodec.PlainLength(w.Id, terms, body.Length);
                if (plainLength > _maxEntryBytes)
                    throw new ArgumentException("A record is larger than the store's page size allows.", nameof(writes));
                pending.Terms[i] = terms;
                pending.ValueLengths[i] = plainLength + StoreCrypto.Overhead;
                entryLength += plainLength + StoreCrypto.Overhead;
            }
            if (entryLength > _maxEntryBytes)
                throw new ArgumentException("The commit is larger than the store's page size allows.", nameof(writes));

            pending.Plain = ArrayPool<byte>.Shared.Rent(entryLength);
            var p = pending.Plain.AsSpan(0, entryLength);
            BinaryPrimitives.WriteInt32LittleEndian(p, n);
            int pos = 4;
            for (int i = 0; i < n; i++)
            {
                var w = writes[i];
                pending.Keys[i].CopyTo(p[pos..]);
                pos += StoreCrypto.StorageKeySize;
                int sealedLength = pending.ValueLengths[i];
                BinaryPrimitives.WriteInt32LittleEndian(p[pos..], sealedLength);
                pos += 4;
                if (sealedLength < 0) continue;
                long sequence = _index.TryGet(w.Id, out var e) ? e.Sequence : Interlocked.Increment(ref _nextSequence);
                long version = w.ExpectedVersion + 1;
                int plainLength = sealedLength - StoreCrypto.Overhead;
                byte[] plain = ArrayPool<byte>.Shared.Rent(plainLength);
                try
                {
                    RecordCodec.Write(plain, version, sequence, w.Id, pending.Terms[i]!, w.Body!.Value.Span);
                    _crypto.Seal(plain.AsSpan(0, plainLength), pending.Keys[i], p.Slice(pos, sealedLength));
                }
                finally { ArrayPool<byte>.Shared.Return(plain, clearArray: true); }
                pending.ValueOffsets[i] = pos;
                pending.Versions[i] = version;
                pending.Sequences[i] = sequence;
                pos += sealedLength;
            }

            pending.EntryLength = entryLength;

            pending.Ids = new string[n];
            for (int i = 0; i < n; i++) pending.Ids[i] = writes[i].Id;
        }
        catch (Exception e)
        {
            Interlocked.Decrement(ref _preparing);
            Complete(pending, e);
            throw;
        }

        _queue.Enqueue(pending);
        Interlocked.Decrement(ref _preparing);
        _wake.Set();
        // The commit loop fails what is queued when it exits; one that exited before this enqueue cannot see it.
        if (_committerExited) FailQueued(new ObjectDisposedException(nameof(FasterObjectStore)));
        return new(pending.Done.Task);
    }

    /// <summary>Frees the commit's stripes, then completes its task (on the thread pool, never inline here).</summary>
    private void Complete(PendingCommit p, Exception? error)
    {
        foreach (int s in p.Stripes)
            if (ReferenceEquals(Volatile.Read(ref _owners[s]), p)) Volatile.Write(ref _owners[s], null);
        p.ReturnBuffers();
        if (error is null) p.Done.TrySetResult(CommitStatus.Committed);
        else p.Done.TrySetException(error is ArgumentException or InvalidOperationException ? error : new InvalidOperationException("The commit could not be made durable.", error));
    }

    private static string[] DistinctTerms(IReadOnlyList<string> terms)
    {
        ArgumentNullException.ThrowIfNull(terms);
        if (terms.Count > RecordCodec.MaxTerms) throw new ArgumentException("Too many index terms.");
        var list = new List<string>(terms.Count);
        foreach (var t in terms)
        {
            ArgumentNullException.ThrowIfNull(t);
            if (!list.Contains(t)) list.Add(t);
        }
        return [.. list];
    }

    private void FailQueued(Exception error)
    {
        while (_queue.TryDequeue(out var p)) Complete(p, error);
    }

    private void CommitLoop()
    {
        var waiting = new List<PendingCommit>();
        Span<byte> length = stackalloc byte[4];
        try
        {
            while (true)
            {
                _wake.Wait(TimeSpan.FromMilliseconds(500));
                _wake.Reset();
                while (_queue.TryDequeue(out var p)) waiting.Add(p);
                if (waiting.Count > 0)
                {
                    // Group commit: callers that have claimed their stripes and are sealing their entries join this
                    // fsync instead of waiting for the next one. Only while such a commit is in preparation, and
                    // never longer than GroupWindow.
                    if (Volatile.Read(ref _preparing) > 0)
                    {
                        long windowStart = Stopwatch.GetTimestamp();
                        var spin = new SpinWait();
                        while (Volatile.Read(ref _preparing) > 0 && Stopwatch.GetElapsedTime(windowStart) < GroupWindow) spin.SpinOnce(sleep1Threshold: -1);
                        while (_queue.TryDequeue(out var p)) waiting.Add(p);
                    }
                    for (int start = 0, end; start < waiting.Count; start = end)
                    {
                        end = start;
                        try
                        {
                            _log.BeginGroup();
                            for (; end < waiting.Count && (end == start || _log.PayloadWith(4 + waiting[end].EntryLength) <= _log.MaxPayload); end++)
                            {
                                var p = waiting[end];
                                BinaryPrimitives.WriteInt32LittleEndian(length, p.EntryLength);
                                _log.Append(length);
                                _log.Append(p.Plain.AsSpan(0, p.EntryLength));
                            }
                            _log.CommitGroup();
                            for (int k = start; k < end; k++) Apply(waiting[k]);
                        }
                        catch (Exception ex)
                        {
                            _failure = ex;
                            for (int k = start; k < waiting.Count; k++) Complete(waiting[k], ex);
                            waiting.Clear();
                            FailQueued(ex);
                            return;
                        }
                        for (int k = start; k < end; k++) Complete(waiting[k], null);
                        _commitsSinceCheckpoint += end - start;
                        Interlocked.Increment(ref _groupCommits);
                    }
                    waiting.Clear();
                }
                MaybeCheckpoint(force: false);
                if (_stopping && _queue.IsEmpty) break;
            }
            FinishCheckpoint(wait: true);
            if (_commitsSinceCheckpoint > 0) { MaybeCheckpoint(force: true); FinishCheckpoint(wait: true); }
        }
        catch (Exception ex)
        {
            _failure ??= ex;
        }
        finally
        {
            _committerExited = true;
            FailQueued(new ObjectDisposedException(nameof(FasterObjectStore)));
        }
    }

    private void Apply(PendingCommit p)
    {
        for (int i = 0; i < p.Keys.Length; i++)
        {
            // An update or a delete leaves a dead record in the hybrid log (an upper bound: in-place updates leave none).
            if (p.Versions[i] != 1) _garbageRecords++;
            if (p.ValueLengths[i] >= 0)
            {
                UpsertRaw(_applySession, p.Keys[i], p.Plain.AsSpan(p.ValueOffsets[i], p.ValueLengths[i]));
                _index.Put(p.Ids![i], p.Versions[i], p.Sequences[i], p.Terms[i]!);
            }
            else
            {
                DeleteRaw(_applySession, p.Keys[i]);
                _index.Remove(p.Ids![i]);
            }
        }
    }

    // ---------------------------------------------------------------- checkpoints

    private void WriteMeta(long covered)
    {
        Span<byte> meta = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(meta, covered);
        UpsertRaw(_applySession, MetaKey, meta);
    }

    /// <summary>
    /// Starts a FasterKV checkpoint when due. Every log entry below the current log tail has been applied
    /// (the commit loop is the only writer of both), so the tail is recorded in the meta record first and
    /// the checkpoint, which includes the meta record, covers the log up to it. The log is truncated to
    /// that address only once the checkpoint is complete.
    /// </summary>
    private void MaybeCheckpoint(bool force)
    {
        FinishCheckpoint(wait: false);
        if (_checkpointTask is not null) return;
        bool compacted = MaybeCompact();
        if (_commitsSinceCheckpoint == 0 && !compacted) return;
        bool due = force || compacted || _commitsSinceCheckpoint >= _options.CheckpointEveryCommits
            || Stopwatch.GetElapsedTime(_lastCheckpointTicks) >= _options.CheckpointInterval;
        if (!due) return;
        long covered = _log.TailAddress;
        WriteMeta(covered);
        // The hash index (IndexBuckets × 64 bytes) is written with every FullIndexEvery-th checkpoint; the others
        // only flush the hybrid log. Recovery uses the latest index checkpoint plus the latest log checkpoint.
        bool started = _checkpointsTaken % FullIndexEvery == 0
            ? _kv.TryInitiateFullCheckpoint(out _, CheckpointType.FoldOver)
            : _kv.TryInitiateHybridLogCheckpoint(out _, CheckpointType.FoldOver);
        if (!started) return;
        _checkpointsTaken++;
        _checkpointCovers = covered;
        _commitsSinceCheckpoint = 0;
        _lastCheckpointTicks = Stopwatch.GetTimestamp();
        _checkpointTask = _kv.CompleteCheckpointAsync().AsTask();
    }

    /// <summary>
    /// Compacts the FasterKV hybrid log when garbage (superseded and deleted records) outweighs the live records
    /// (<see cref="FasterStoreOptions.CompactAfterGarbageRecords"/>). Runs on the commit loop, the only writer, between
    /// group commits and never during a checkpoint; the caller then takes a checkpoint, which deletes the segments
    /// below the new begin address. Recovery is unaffected: compaction copies each live record to the tail, so a
    /// scan still finds the latest record of every key last.
    /// </summary>
    private bool MaybeCompact()
    {
        if (_garbageRecords < Math.Max(_options.CompactAfterGarbageRecords, _index.Count)) return false;
        long until = _kv.Log.SafeReadOnlyAddress;
        if (until <= _kv.Log.BeginAddress) return false;
        _applySession.Compact(until, CompactionType.Scan);
        _garbageRecords = 0;
        _compactions++;
        return true;
    }

    private void FinishCheckpoint(bool wait)
    {
        if (_checkpointTask is not { } task) return;
        if (!task.IsCompleted && !wait) return;
        // Drive the checkpoint state machine from this session while waiting.
        while (!task.IsCompleted) { _applySession.Refresh(); _applySession.CompletePending(wait: false); Thread.Sleep(1); }
        _checkpointTask = null;
        task.GetAwaiter().GetResult();
        _log.TruncateUntil(_checkpointCovers);
    }

    /// <summary>Flushes and closes the store: pending commits finish, a final checkpoint is taken.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _stopping = true;
        _wake.Set();
        _committer.Join();
        _disposed = true;
        _applySession.Dispose();
        while (_sessions.TryDequeue(out var s)) s.Dispose();
        _log.Dispose();
        _kv.Dispose();
        _checkpoints.Dispose();
        _kvDevice.Dispose();
        _crypto.Dispose();
        _wake.Dispose();
        _dirLock.Dispose();
    }

    private sealed class PendingCommit(int count)
    {
        internal int[] Stripes = [];
        internal readonly byte[][] Keys = new byte[count][];
        // Sealed record i is Plain[ValueOffsets[i] .. + ValueLengths[i]]; a length of −1 is a delete.
        internal readonly int[] ValueOffsets = new int[count];
        internal readonly int[] ValueLengths = new int[count];
        internal readonly long[] Versions = new long[count];
        internal readonly long[] Sequences = new long[count];
        internal readonly string[]?[] Terms = new string[count][];
        internal string[]? Ids;
        // Rented: the log entry (sealed records and their keys) until the commit is applied.
        internal byte[]? Plain;
        internal int EntryLength;

        /// <summary>Returns the rented entry (once; the commit is complete or failed, nothing reads it any more).</summary>
        internal void ReturnBuffers()
        {
            if (Interlocked.Exchange(ref Plain, null) is { } plain) ArrayPool<byte>.Shared.Return(plain, clearArray: true);
        }
        // Continuations run on the thread pool: the commit loop never runs request code.
        internal readonly TaskCompletionSource<CommitStatus> Done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
