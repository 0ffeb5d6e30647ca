using System.Buffers;
using System.Text.Json;
using Kms.Engine;
using Kms.Ttlv;

namespace Kms.Server.Audit;

/// <summary>
/// Writes one JSON line per audited operation to a file (<c>[logging] audit_file</c>):
/// <c>{"time","user","peer","transport","operation","object_id","status","reason","duration_ms"}</c>.
/// <see cref="AuditEntry"/> never carries key material, so neither does the file. Thread-safe.
/// </summary>
/// <remarks>
/// <see cref="Record"/> only formats the line into a memory buffer; a writer thread hands the buffered lines to the
/// operating system in one write every <see cref="GatherMilliseconds"/> ms while entries arrive, so the request path
/// makes no system call for the audit (issue 7: one write per operation cost the socket 3–5 µs of CPU per
/// message). Lines keep the order of <see cref="Record"/> calls. The buffer is bounded: when the writer falls
/// <see cref="MaxBufferedBytes"/> behind, <see cref="Record"/> waits for it. When a write fails, <see cref="Record"/>
/// throws until a retry of the same lines succeeds (an operation is not answered as if audited when its line cannot be
/// written). <see cref="Dispose"/> writes every recorded line before it closes the file.
/// </remarks>
public sealed class JsonLinesAuditSink : IAuditSink, IDisposable
{
    /// <summary>The writer's period while lines arrive: it writes what was recorded in the last period in one write.</summary>
    public const int GatherMilliseconds = 1;

    /// <summary>Bytes of formatted lines the writer may fall behind before <see cref="Record"/> waits for it.</summary>
    public const int MaxBufferedBytes = 256 << 10;

    private const int RetryMilliseconds = 1000;
    private const int IdleRoundsBeforeBlocking = 100;

    private readonly Lock _lock = new();   // guards everything below except _file and _writing (the writer thread's)
    private readonly FileStream _file;
    private readonly Thread _writer;
    private readonly Utf8JsonWriter _json;
    private readonly ArrayBufferWriter<byte> _line = new(512);   // one formatted line, copied to _pending when whole
    private ArrayBufferWriter<byte> _pending = new(MaxBufferedBytes + (16 << 10));
    private ArrayBufferWriter<byte> _writing = new(MaxBufferedBytes + (16 << 10));
    private readonly SemaphoreSlim _wake = new(0);
    private bool _writerIdle;          // the writer waits on _wake for the first line
    private int _waitingForSpace;      // recorders waiting on _spaceFreed
    private readonly SemaphoreSlim _spaceFreed = new(0);
    private bool _closing;
    private Exception? _failure;
    // Enum names, cached so that a steady stream of entries allocates nothing (guarded by _lock).
    private readonly Dictionary<Operation, string> _operations = [];
    private readonly Dictionary<ResultStatus, string> _statuses = [];
    private readonly Dictionary<ResultReason, string> _reasons = [];

    /// <summary>Opens (appends to) <paramref name="path"/>, creating its directory, and starts the writer thread.</summary>
    public JsonLinesAuditSink(string path)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        // Unbuffered: the writer hands whole batches to the operating system itself.
        _file = new FileStream(full, FileMode.Append, FileAccess.Write, FileShare.Read, bufferSize: 0);
        _json = new Utf8JsonWriter(_line);
        _writer = new Thread(WriteLoop) { IsBackground = true, Name = "kms-audit-writer" };
        _writer.Start();
    }

    /// <inheritdoc/>
    /// <exception cref="IOException">The audit file could not be written (the entry is not recorded).</exception>
    public void Record(in AuditEntry entry)
    {
        lock (_lock)
        {
            while (!_closing && _failure is null && _pending.WrittenCount >= MaxBufferedBytes)
            {
                // Backpressure: the writer is MaxBufferedBytes behind (a slow disk).
                _waitingForSpace++;
                _lock.Exit();
                try { _spaceFreed.Wait(); }
                finally { _lock.Enter(); _waitingForSpace--; }
            }
            if (_closing) return;
            if (_failure is { } failure) throw new IOException("the audit file cannot be written", failure);
            _line.ResetWrittenCount();
            _json.Reset(_line);
            _json.WriteStartObject();
            _json.WriteString("time"u8, entry.Time);
            _json.WriteString("user"u8, entry.Caller.User);
            _json.WriteString("peer"u8, entry.Caller.PeerAddress);
            _json.WriteString("transport"u8, entry.Caller.Transport);
            if (entry.Operation is { } op) _json.WriteString("operation"u8, Name(_operations, op));
            else _json.WriteNull("operation"u8);
            _json.WriteString("object_id"u8, entry.UniqueIdentifier);
            _json.WriteString("status"u8, Name(_statuses, entry.Status));
            if (entry.Reason is { } reason) _json.WriteString("reason"u8, Name(_reasons, reason));
            else _json.WriteNull("reason"u8);
            _json.WriteNumber("duration_ms"u8, Math.Round(entry.Duration.TotalMilliseconds, 3));
            _json.WriteEndObject();
            _json.Flush();
            _line.GetSpan(1)[0] = (byte)'\n';
            _line.Advance(1);
            _pending.Write(_line.WrittenSpan);
            if (_writerIdle)
            {
                _writerIdle = false;
                _wake.Release();
            }
        }
    }

    /// <summary>
    /// The writer thread: every <see cref="GatherMilliseconds"/> ms, swap the buffers and write what was recorded. After
    /// <see cref="IdleRoundsBeforeBlocking"/> rounds without a line it blocks until the next <see cref="Record"/> wakes it,
    /// so a busy server never signals it (no system call on the request path) and an idle one does not poll.
    /// </summary>
    private void WriteLoop()
    {
        int idleRounds = 0;
        while (true)
        {
            bool closing, block;
            lock (_lock)
            {
                closing = _closing;
                block = _writerIdle = !closing && idleRounds >= IdleRoundsBeforeBlocking && _pending.WrittenCount == 0;
            }
            if (block)
            {
                _wake.Wait();   // released by the first Record (or Dispose) after _writerIdle was set
                idleRounds = 0;
            }
            if (!closing) Thread.Sleep(GatherMilliseconds);
            lock (_lock)
            {
                closing = _closing;
                (_pending, _writing) = (_writing, _pending);
                if (_waitingForSpace > 0) _spaceFreed.Release(_waitingForSpace);
            }
            if (_writing.WrittenCount == 0)
            {
                if (closing) return;    // Record adds nothing once _closing is set: everything is written
                idleRounds++;
                continue;
            }
            idleRounds = 0;
            if (!TryWrite() && closing) return;    // Dispose gives up on a file that cannot be written
        }
    }

    /// <summary>Writes the swapped-out lines; on failure keeps them in front of the newer ones and retries later.</summary>
    private bool TryWrite()
    {
        try
        {
            _file.Write(_writing.WrittenSpan);
            _file.Flush();
            _writing.ResetWrittenCount();
            if (Volatile.Read(ref _failure) is not null)
            {
                lock (_lock) _failure = null;
            }
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            lock (_lock)
            {
                _failure = e;
                // Older lines first: the failed batch, then whatever was recorded meanwhile.
                _writing.Write(_pending.WrittenSpan);
                _pending.ResetWrittenCount();
                (_pending, _writing) = (_writing, _pending);
                if (_waitingForSpace > 0) _spaceFreed.Release(_waitingForSpace);
            }
            Thread.Sleep(RetryMilliseconds);
            return false;
        }
    }

    private static string Name<T>(Dictionary<T, string> cache, T value) where T : struct, Enum
    {
        if (!cache.TryGetValue(value, out var name))
        {
            name = value.ToString();
            // Bounded: wire values outside the enumeration would otherwise grow the cache without limit.
            if (cache.Count < 1024) cache[value] = name;
        }
        return name;
    }

    /// <summary>Writes every recorded line, stops the writer and closes the file.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_closing) return;
            _closing = true;
            if (_writerIdle)
            {
                _writerIdle = false;
                _wake.Release();
            }
            if (_waitingForSpace > 0) _spaceFreed.Release(_waitingForSpace);
        }
        _writer.Join();
        _json.Dispose();
        _file.Dispose();
        _wake.Dispose();
        // _spaceFreed stays undisposed: a recorder released by the lines above may not have returned from Wait yet.
    }
}
