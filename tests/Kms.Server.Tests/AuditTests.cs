using System.Text.Json;
using Kms.Engine;
using Kms.Server.Audit;
using Kms.Ttlv;

namespace Kms.Server.Tests;

public sealed class AuditSinkTests
{
    [Fact]
    public void WritesOneJsonLinePerEntryWithEveryField()
    {
        string path = Path.Combine(Path.GetTempPath(), "kms-audit-" + Guid.NewGuid().ToString("N")[..8], "audit.jsonl");
        using (var sink = new JsonLinesAuditSink(path))
        {
            var caller = new CallerIdentity("alice", "socket", "127.0.0.1:5000");
            sink.Record(new AuditEntry(DateTimeOffset.UnixEpoch, caller, Operation.Create, "id-1", ResultStatus.Success, null, TimeSpan.FromMilliseconds(1.5)));
            sink.Record(new AuditEntry(DateTimeOffset.UnixEpoch, caller, null, null, ResultStatus.OperationFailed, ResultReason.InvalidMessage, TimeSpan.Zero));
        }
        var lines = File.ReadAllLines(path);
        Assert.Equal(2, lines.Length);
        using var first = JsonDocument.Parse(lines[0]);
        var r = first.RootElement;
        Assert.Equal("alice", r.GetProperty("user").GetString());
        Assert.Equal("127.0.0.1:5000", r.GetProperty("peer").GetString());
        Assert.Equal("socket", r.GetProperty("transport").GetString());
        Assert.Equal("Create", r.GetProperty("operation").GetString());
        Assert.Equal("id-1", r.GetProperty("object_id").GetString());
        Assert.Equal("Success", r.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, r.GetProperty("reason").ValueKind);
        Assert.Equal(1.5, r.GetProperty("duration_ms").GetDouble());
        Assert.Equal(DateTimeOffset.UnixEpoch, r.GetProperty("time").GetDateTimeOffset());
        using var second = JsonDocument.Parse(lines[1]);
        Assert.Equal("InvalidMessage", second.RootElement.GetProperty("reason").GetString());
        Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
    }
}
