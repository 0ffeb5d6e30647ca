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

    [Fact]
    public void EntriesFromManyThreadsAreAllWrittenInTheOrderEachThreadRecordedThem()
    {
        string dir = Path.Combine(Path.GetTempPath(), "kms-audit-" + Guid.NewGuid().ToString("N")[..8]);
        string path = Path.Combine(dir, "audit.jsonl");
        const int threads = 4, perThread = 20_000;   // ~4.5 MB of lines: more than the writer's buffer, so Record waits at times
        try
        {
            using (var sink = new JsonLinesAuditSink(path))
            {
                var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
                {
                    var caller = new CallerIdentity("user-" + t, "socket", "127.0.0.1:5000");
                    for (int i = 0; i < perThread; i++)
                        sink.Record(new AuditEntry(DateTimeOffset.UnixEpoch, caller, Operation.Get, i.ToString(System.Globalization.CultureInfo.InvariantCulture), ResultStatus.Success, null, TimeSpan.Zero));
                })).ToList();
                workers.ForEach(w => w.Start());
                workers.ForEach(w => w.Join());
            }
            var next = new int[threads];
            foreach (string line in File.ReadLines(path))
            {
                var r = JsonDocument.Parse(line).RootElement;
                int t = int.Parse(r.GetProperty("user").GetString()!["user-".Length..], System.Globalization.CultureInfo.InvariantCulture);
                Assert.Equal(next[t].ToString(System.Globalization.CultureInfo.InvariantCulture), r.GetProperty("object_id").GetString());
                next[t]++;
            }
            Assert.All(next, n => Assert.Equal(perThread, n));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void LinesReachTheFileWhileTheSinkIsOpenAlsoAfterTheWriterWentIdle()
    {
        string dir = Path.Combine(Path.GetTempPath(), "kms-audit-" + Guid.NewGuid().ToString("N")[..8]);
        string path = Path.Combine(dir, "audit.jsonl");
        try
        {
            using var sink = new JsonLinesAuditSink(path);
            var caller = new CallerIdentity("alice", "socket", "127.0.0.1:5000");
            sink.Record(new AuditEntry(DateTimeOffset.UnixEpoch, caller, Operation.Get, "id-1", ResultStatus.Success, null, TimeSpan.Zero));
            Assert.Equal(["id-1"], WaitForLines(path, 1));
            Thread.Sleep(500);   // well past the writer's polling rounds: it now blocks until the next Record wakes it
            sink.Record(new AuditEntry(DateTimeOffset.UnixEpoch, caller, Operation.Get, "id-2", ResultStatus.Success, null, TimeSpan.Zero));
            Assert.Equal(["id-1", "id-2"], WaitForLines(path, 2));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>The object ids of the file's lines once it has <paramref name="count"/> whole lines (or after 10 s).</summary>
    private static string[] WaitForLines(string path, int count)
    {
        string text = "";
        for (int i = 0; i < 1000 && text.Count(c => c == '\n') < count; i++)
        {
            Thread.Sleep(10);
            using var reader = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
            text = reader.ReadToEnd();
        }
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("object_id").GetString()!).ToArray();
    }

    [Fact]
    public void AFileThatCannotBeWrittenMakesRecordThrow()
    {
        // /dev/full accepts the open and fails every write with ENOSPC (No space left on device).
        using var sink = new JsonLinesAuditSink("/dev/full");
        var entry = new AuditEntry(DateTimeOffset.UnixEpoch, new CallerIdentity("alice", "socket", "127.0.0.1:5000"), Operation.Get, "id-1", ResultStatus.Success, null, TimeSpan.Zero);
        sink.Record(entry);
        IOException? thrown = null;
        for (int i = 0; i < 1000 && thrown is null; i++)
        {
            Thread.Sleep(10);
            try { sink.Record(entry); }
            catch (IOException e) { thrown = e; }
        }
        Assert.NotNull(thrown);
        Assert.Contains("audit file", thrown.Message);
    }

    [Fact]
    public void RecordingAnEntryAllocatesNothingInTheSteadyState()
    {
        string dir = Path.Combine(Path.GetTempPath(), "kms-audit-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            using var sink = new JsonLinesAuditSink(Path.Combine(dir, "audit.jsonl"));
            var caller = new CallerIdentity("alice", "socket", "127.0.0.1:5000");
            var get = new AuditEntry(DateTimeOffset.UtcNow, caller, Operation.Get, "0b8f5d1e-6c1a-4f57-9d0e-2a7c3f1b9e42", ResultStatus.Success, null, TimeSpan.FromTicks(1234));
            var denied = get with { Status = ResultStatus.OperationFailed, Reason = ResultReason.PermissionDenied };
            for (int i = 0; i < 1000; i++) { sink.Record(get); sink.Record(denied); }   // warm up: buffers, JIT
            // This thread's allocations only, so background work of the test host does not count.
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 5000; i++) { sink.Record(get); sink.Record(denied); }
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated == 0, $"{allocated} bytes allocated for 10,000 audit entries");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
