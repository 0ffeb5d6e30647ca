using System.Buffers;
using System.Text.Json;
using Kms.Engine;
using Kms.Ttlv;

namespace Kms.Server.Audit;

/// <summary>
/// Writes one JSON line per audited operation to a file (<c>[logging] audit_file</c>):
/// <c>{"time","user","peer","transport","operation","object_id","status","reason","duration_ms"}</c>.
/// <see cref="AuditEntry"/> never carries key material, so neither does the file. Thread-safe; each line is
/// flushed to the operating system as it is written.
/// </summary>
public sealed class JsonLinesAuditSink : IAuditSink, IDisposable
{
    private readonly Lock _lock = new();
    private readonly FileStream _file;
    private readonly ArrayBufferWriter<byte> _buffer = new(512);
    private readonly Utf8JsonWriter _json;
    private bool _disposed;
    // Enum names, cached so that a steady stream of entries allocates nothing (guarded by _lock).
    private readonly Dictionary<Operation, string> _operations = [];
    private readonly Dictionary<ResultStatus, string> _statuses = [];
    private readonly Dictionary<ResultReason, string> _reasons = [];

    /// <summary>Opens (appends to) <paramref name="path"/>, creating its directory.</summary>
    public JsonLinesAuditSink(string path)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        _file = new FileStream(full, FileMode.Append, FileAccess.Write, FileShare.Read, 4096);
        _json = new Utf8JsonWriter(_buffer);
    }

    /// <inheritdoc/>
    public void Record(in AuditEntry entry)
    {
        lock (_lock)
        {
            if (_disposed) return;
            _buffer.ResetWrittenCount();
            _json.Reset(_buffer);
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
            _file.Write(_buffer.WrittenSpan);
            _file.WriteByte((byte)'\n');
            _file.Flush();
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

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            _json.Dispose();
            _file.Dispose();
        }
    }
}
