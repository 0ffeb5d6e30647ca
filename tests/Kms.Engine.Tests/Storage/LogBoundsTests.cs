using Kms.Engine.Storage;

namespace Kms.Engine.Tests.Storage;

/// <summary>Both FASTER logs stay bounded: checkpoints truncate the write-ahead log, compaction drops dead KV records.</summary>
public sealed class LogBoundsTests
{
    [Fact]
    public void Checkpoints_truncate_the_write_ahead_log_and_recovery_starts_after_the_truncation()
    {
        using var dir = new TempStoreDir();
        // 128 KiB segments and ~1 KiB commits: the 600 commits span several segments.
        var options = dir.Options() with { CheckpointEveryCommits = 50, PageBytes = 1 << 16, KvMemoryBytes = 1 << 18, LogSegmentBytes = 1 << 17 };
        string pad = new('p', 1000);
        long beginBefore;
        using (var store = FasterObjectStore.Open(options))
        {
            beginBefore = store.LogBeginAddress;
            for (int i = 0; i < 600; i++)
                Assert.Equal(CommitStatus.Committed, store.Commit([W.Put($"k{i % 40}", i / 40, $"v{i}{pad}", "all")]));
        } // the final checkpoint truncates the log up to everything applied
        // Truncated segments are kept as spares for the log's next segments (a few at most), not left to grow the folder.
        int spares = Directory.GetFiles(Path.Combine(dir.Data, "wal"), "spare-*.seg").Length;
        Assert.InRange(spares, 1, 4);
        Assert.Single(Directory.GetFiles(Path.Combine(dir.Data, "wal"), "0*.seg"));
        using (var store = FasterObjectStore.Open(options))
        {
            Assert.True(store.LogBeginAddress > beginBefore, $"log begin address {store.LogBeginAddress} did not move past {beginBefore}");
            Assert.Equal(40, store.Count);
            for (int k = 0; k < 40; k++)
            {
                Assert.True(store.TryRead($"k{k}", out var r));
                Assert.Equal((15L, $"v{560 + k}{pad}"), (r.Version, r.Body()));
            }
            Assert.Equal(40, store.FindByTerms(["all"]).Count);
            // The store goes on committing after a recovery that started at the truncated address.
            Assert.Equal(CommitStatus.Committed, store.Commit([W.Put("k0", 15, "after")]));
        }
    }

    [Fact]
    public void Dead_records_are_compacted_out_of_the_kv_log_and_recovery_keeps_the_live_ones()
    {
        using var dir = new TempStoreDir();
        // 64 KiB pages and 256 KiB of memory, so most of the ~8 MB of record versions below become read-only (each
        // checkpoint also makes the log read-only up to its tail) and can be compacted; 20 live keys, 4,000 versions.
        var options = dir.Options() with
        {
            PageBytes = 1 << 16, KvMemoryBytes = 1 << 18, LogSegmentBytes = 1 << 18,
            CompactAfterGarbageRecords = 500, CheckpointEveryCommits = 200,
        };
        var body = new string('x', 2000);
        long kvBeginBefore;
        using (var store = FasterObjectStore.Open(options))
        {
            kvBeginBefore = store.KvBeginAddress;
            for (int i = 0; i < 4000; i++)
                Assert.Equal(CommitStatus.Committed, store.Commit([W.Put($"k{i % 20}", i / 20, body + i, $"key={i % 20}")]));
            // Deleted keys are garbage too.
            Assert.Equal(CommitStatus.Committed, store.Commit([W.Delete("k19", 200)]));
            // Compaction runs while the store is in use (checkpoints make the old versions read-only); the commit loop
            // looks for it between group commits and at least every half second, so a busy machine may need a moment.
            Assert.True(SpinWait.SpinUntil(() => store.Compactions > 0, TimeSpan.FromSeconds(30)), "no compaction");
            Assert.True(store.TryRead("k3", out var live));
            Assert.Equal(body + 3983, live.Body());
        }
        using (var store = FasterObjectStore.Open(options))
        {
            Assert.True(store.KvBeginAddress > kvBeginBefore, $"kv begin address {store.KvBeginAddress} did not move past {kvBeginBefore}");
            Assert.Equal(19, store.Count);
            for (int k = 0; k < 19; k++)
            {
                Assert.True(store.TryRead($"k{k}", out var r));
                Assert.Equal((200L, body + (3980 + k)), (r.Version, r.Body()));
                Assert.Equal([$"k{k}"], store.FindByTerms([$"key={k}"]));
            }
            Assert.False(store.TryRead("k19", out _));
        }
    }
}
