using System.Text;
using Kms.Engine.Storage;

namespace Kms.Engine.Tests.Storage;

public sealed class FasterObjectStoreTests
{
    [Fact]
    public void Create_read_update_delete()
    {
        using var dir = new TempStoreDir();
        using var store = dir.Open();
        Assert.False(store.TryRead("a", out _));
        Assert.Equal(CommitStatus.Committed, store.Commit([W.Put("a", 0, "one", "owner=alice", "tag=x")]));
        Assert.True(store.TryRead("a", out var r));
        Assert.Equal("a", r.Id);
        Assert.Equal(1, r.Version);
        Assert.Equal("one", r.Body());
        Assert.Equal(["owner=alice", "tag=x"], r.IndexTerms);

        Assert.Equal(CommitStatus.Committed, store.Commit([W.Put("a", 1, "two", "owner=alice", "tag=y")]));
        Assert.True(store.TryRead("a", out r));
        Assert.Equal(2, r.Version);
        Assert.Equal("two", r.Body());
        Assert.Empty(store.FindByTerms(["tag=x"]));
        Assert.Equal(["a"], store.FindByTerms(["tag=y"]));

        Assert.Equal(CommitStatus.Committed, store.Commit([W.Delete("a", 2)]));
        Assert.False(store.TryRead("a", out _));
        Assert.Empty(store.FindByTerms(["owner=alice"]));
        Assert.Equal(0, store.Count);
        Assert.True(store.IsHealthy());
    }

    [Fact]
    public void Version_conflicts_apply_nothing()
    {
        using var dir = new TempStoreDir();
        using var store = dir.Open();
        Assert.Equal(CommitStatus.Committed, store.Commit([W.Put("a", 0, "a1")]));
        Assert.Equal(CommitStatus.Conflict, store.Commit([W.Put("a", 0, "again")]));
        Assert.Equal(CommitStatus.Conflict, store.Commit([W.Put("a", 5, "stale")]));
        Assert.Equal(CommitStatus.Conflict, store.Commit([W.Put("b", 1, "missing")]));
        Assert.Equal(CommitStatus.Conflict, store.Commit([W.Delete("b", 0)]));
        Assert.Equal(CommitStatus.Conflict, store.Commit([W.Delete("a", 2)]));
        // A multi-write commit with one stale write applies none of them.
        Assert.Equal(CommitStatus.Conflict, store.Commit([W.Put("c", 0, "c1", "t=c"), W.Put("a", 7, "a2")]));
        Assert.False(store.TryRead("c", out _));
        Assert.Empty(store.FindByTerms(["t=c"]));
        Assert.True(store.TryRead("a", out var a));
        Assert.Equal(1, a.Version);
        Assert.Equal("a1", a.Body());
        Assert.Equal(1, store.Count);
    }

    [Fact]
    public void Multi_write_commit_is_atomic_and_survives_reopen()
    {
        using var dir = new TempStoreDir();
        using (var store = dir.Open())
        {
            Assert.Equal(CommitStatus.Committed, store.Commit([W.Put("x", 0, "x1"), W.Put("y", 0, "y1")]));
            Assert.Equal(CommitStatus.Committed, store.Commit([W.Put("x", 1, "x2", "k=v"), W.Delete("y", 1), W.Put("z", 0, "z1", "k=v")]));
        }
        using (var store = dir.Open())
        {
            Assert.True(store.TryRead("x", out var x));
            Assert.Equal((2L, "x2"), (x.Version, x.Body()));
            Assert.False(store.TryRead("y", out _));
            Assert.True(store.TryRead("z", out var z));
            Assert.Equal("z1", z.Body());
            Assert.Equal(["z", "x"], store.FindByTerms(["k=v"]));
            Assert.Equal(2, store.Count);
        }
    }

    [Fact]
    public void Commit_rejects_the_same_id_twice()
    {
        using var dir = new TempStoreDir();
        using var store = dir.Open();
        Assert.Throws<ArgumentException>(() => store.Commit([W.Put("a", 0, "1"), W.Put("a", 0, "2")]));
        Assert.Equal(0, store.Count);
    }

    [Fact]
    public void FindByTerms_intersects_and_orders_newest_first()
    {
        using var dir = new TempStoreDir();
        using var store = dir.Open();
        for (int i = 0; i < 50; i++)
        {
            var terms = new List<string> { "type=key" };
            if (i % 2 == 0) terms.Add("tag=even");
            if (i % 3 == 0) terms.Add("tag=three");
            Assert.Equal(CommitStatus.Committed, store.Commit([new ObjectWrite($"id{i}", 0, new byte[] { (byte)i }, terms)]));
        }
        var six = store.FindByTerms(["tag=even", "tag=three"]);
        Assert.Equal(Enumerable.Range(0, 50).Where(i => i % 6 == 0).Reverse().Select(i => $"id{i}"), six);
        Assert.Equal(50, store.FindByTerms([]).Count);
        Assert.Equal("id49", store.FindByTerms([])[0]);
        Assert.Equal(25, store.FindByTerms(["type=key", "tag=even"]).Count);
        Assert.Empty(store.FindByTerms(["tag=even", "tag=none"]));
        Assert.Equal(50, store.Count);
        // Updating keeps the creation order.
        Assert.Equal(CommitStatus.Committed, store.Commit([W.Put("id0", 1, "new", "type=key", "tag=even", "tag=three")]));
        Assert.Equal("id0", store.FindByTerms(["tag=three"])[^1]);
    }

    [Fact]
    public void Reopen_restores_records_index_and_sequence()
    {
        using var dir = new TempStoreDir();
        using (var store = dir.Open())
        {
            for (int i = 0; i < 200; i++)
                Assert.Equal(CommitStatus.Committed, store.Commit([W.Put($"k{i}", 0, $"body{i}", $"n=k{i}", "all")]));
            for (int i = 0; i < 200; i += 4)
                Assert.Equal(CommitStatus.Committed, store.Commit([W.Delete($"k{i}", 1)]));
        }
        using (var store = dir.Open())
        {
            Assert.Equal(150, store.Count);
            Assert.True(store.TryRead("k5", out var r));
            Assert.Equal("body5", r.Body());
            Assert.False(store.TryRead("k4", out _));
            Assert.Equal(["k7"], store.FindByTerms(["n=k7"]));
            Assert.Equal(CommitStatus.Committed, store.Commit([W.Put("new", 0, "n", "all")]));
            Assert.Equal("new", store.FindByTerms(["all"])[0]);
        }
    }

    [Fact]
    public void Reopen_after_many_commits_uses_checkpoint_and_log_tail()
    {
        using var dir = new TempStoreDir();
        using (var store = FasterObjectStore.Open(new FasterStoreOptions
        {
            DataDirectory = dir.Data, MasterKeyFile = dir.KeyFile, CheckpointEveryCommits = 50,
            IndexBuckets = 1 << 12, KvMemoryBytes = 1 << 22, LogSegmentBytes = 1 << 22, PageBytes = 1 << 20,
        }))
        {
            for (int i = 0; i < 400; i++)
                Assert.Equal(CommitStatus.Committed, store.Commit([W.Put($"k{i % 100}", i / 100, $"v{i}")]));
        }
        Assert.NotEmpty(Directory.GetFileSystemEntries(Path.Combine(dir.Data, "checkpoints"), "*", SearchOption.AllDirectories));
        using (var store = dir.Open())
        {
            Assert.Equal(100, store.Count);
            for (int i = 300; i < 400; i++)
            {
                Assert.True(store.TryRead($"k{i % 100}", out var r));
                Assert.Equal((4L, $"v{i}"), (r.Version, r.Body()));
            }
        }
    }

    [Fact]
    public void Records_evicted_from_memory_are_read_from_disk()
    {
        using var dir = new TempStoreDir();
        // 4 MB of in-memory hybrid log (TempStoreDir) and about 12 MB of records: most reads go to disk.
        using var store = dir.Open();
        var batch = new List<ObjectWrite>();
        for (int i = 0; i < 3000; i++)
        {
            batch.Add(new ObjectWrite($"big{i}", 0, Enumerable.Repeat((byte)(i % 251), 4000).ToArray(), [$"n={i}"]));
            if (batch.Count == 100) { Assert.Equal(CommitStatus.Committed, store.Commit(batch)); batch = []; }
        }
        for (int i = 0; i < 3000; i += 7)
        {
            Assert.True(store.TryRead($"big{i}", out var r));
            Assert.Equal(4000, r.Body.Length);
            Assert.True(r.Body.Span.IndexOfAnyExcept((byte)(i % 251)) < 0);
        }
        Assert.Equal(CommitStatus.Committed, store.Commit([new ObjectWrite("big0", 1, new byte[] { 1 }, [])]));
        Assert.True(store.TryRead("big0", out var updated));
        Assert.Equal(2, updated.Version);
    }

    [Fact]
    public void Checkpoints_complete_while_reader_sessions_sit_idle()
    {
        using var dir = new TempStoreDir();
        using (var store = FasterObjectStore.Open(dir.Options() with { CheckpointEveryCommits = 20 }))
        {
            Assert.Equal(CommitStatus.Committed, store.Commit([W.Put("r", 0, "r")]));
            // Several reader threads leave their FASTER sessions idle in the pool.
            ConcurrencyTests.RunThreads(6, t => { for (int i = 0; i < 50; i++) Assert.True(store.TryRead("r", out _)); });
            for (int i = 0; i < 200; i++)
                Assert.Equal(CommitStatus.Committed, store.Commit([W.Put($"c{i}", 0, "v")]));
            Assert.True(store.TryRead("c199", out _));
        } // Dispose waits for the last checkpoint: it must not hang on the idle sessions.
        using (var store = dir.Open())
            Assert.Equal(201, store.Count);
    }

    [Fact]
    public void ClearOnStart_empties_the_store()
    {
        using var dir = new TempStoreDir();
        using (var store = dir.Open())
            Assert.Equal(CommitStatus.Committed, store.Commit([W.Put("a", 0, "1", "t")]));
        using (var store = dir.Open(clear: true))
        {
            Assert.Equal(0, store.Count);
            Assert.False(store.TryRead("a", out _));
            Assert.Empty(store.FindByTerms(["t"]));
        }
    }

    [Fact]
    public void A_data_directory_opens_once_at_a_time()
    {
        using var dir = new TempStoreDir();
        using (var store = dir.Open())
        {
            var ex = Assert.Throws<InvalidOperationException>(() => dir.Open());
            Assert.Contains("in use", ex.Message);
            Assert.True(store.IsHealthy());
        }
        using (var again = dir.Open())
            Assert.True(again.IsHealthy());
    }

    [Fact]
    public void Wrong_master_key_is_refused_and_data_is_kept()
    {
        using var dir = new TempStoreDir();
        using (var store = dir.Open())
            Assert.Equal(CommitStatus.Committed, store.Commit([W.Put("a", 0, "secret")]));
        string other = Path.Combine(dir.Root, "other.key");
        File.WriteAllBytes(other, Enumerable.Repeat((byte)9, 32).ToArray());
        var ex = Assert.Throws<InvalidOperationException>(() => FasterObjectStore.Open(dir.Options(keyFile: other)));
        Assert.Contains("wrong master key", ex.Message);
        using (var store = dir.Open())
        {
            Assert.True(store.TryRead("a", out var r));
            Assert.Equal("secret", r.Body());
        }
    }

    [Fact]
    public void A_data_directory_in_the_pre_release_at_rest_format_is_refused_and_kept()
    {
        using var dir = new TempStoreDir();
        using (var store = dir.Open())
            Assert.Equal(CommitStatus.Committed, store.Commit([W.Put("a", 0, "secret")]));
        string wrapped = Path.Combine(dir.Data, "keys", "datakey.wrapped");
        byte[] current = File.ReadAllBytes(wrapped);
        byte[] old = [.. "KMSDK1\n"u8, .. current.AsSpan("KMSDK2\n"u8.Length)];
        File.WriteAllBytes(wrapped, old);
        var ex = Assert.Throws<InvalidOperationException>(() => dir.Open());
        Assert.Contains("earlier at-rest format", ex.Message);
        Assert.Equal(old, File.ReadAllBytes(wrapped));
    }

    [Fact]
    public void Master_key_from_environment_variable()
    {
        using var dir = new TempStoreDir(keyByte: null);
        string name = "KMS_TEST_MASTER_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(name, Convert.ToBase64String(Enumerable.Repeat((byte)3, 32).ToArray()));
        try
        {
            var options = new FasterStoreOptions { DataDirectory = dir.Data, MasterKeyEnvironmentVariable = name, IndexBuckets = 1 << 12, KvMemoryBytes = 1 << 22, LogSegmentBytes = 1 << 22, PageBytes = 1 << 20 };
            using (var store = FasterObjectStore.Open(options))
                Assert.Equal(CommitStatus.Committed, store.Commit([W.Put("a", 0, "v")]));
            Assert.False(File.Exists(Path.Combine(dir.Data, "master.key")));
            using (var store = FasterObjectStore.Open(options))
                Assert.True(store.TryRead("a", out _));
            Environment.SetEnvironmentVariable(name, Convert.ToHexString(Enumerable.Repeat((byte)4, 32).ToArray()));
            Assert.Throws<InvalidOperationException>(() => FasterObjectStore.Open(options));
        }
        finally { Environment.SetEnvironmentVariable(name, null); }
    }

    [Fact]
    public void Master_key_is_generated_owner_only_with_a_warning()
    {
        using var dir = new TempStoreDir(keyByte: null);
        var warnings = new List<string>();
        var options = new FasterStoreOptions { DataDirectory = dir.Data, Warn = warnings.Add, IndexBuckets = 1 << 12, KvMemoryBytes = 1 << 22, LogSegmentBytes = 1 << 22, PageBytes = 1 << 20 };
        using (var store = FasterObjectStore.Open(options))
            Assert.Equal(CommitStatus.Committed, store.Commit([W.Put("a", 0, "v")]));
        string keyFile = Path.Combine(dir.Data, "master.key");
        Assert.True(File.Exists(keyFile));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        Assert.Single(warnings);
        Assert.Contains("master.key", warnings[0]);
        string keyText = File.ReadAllText(keyFile).Trim();
        Assert.DoesNotContain(keyText, warnings[0], StringComparison.OrdinalIgnoreCase);
        using (var store = FasterObjectStore.Open(options))
        {
            Assert.True(store.TryRead("a", out _));
            Assert.Single(warnings); // the second start reuses the key silently
        }
    }

    [Fact]
    public void Secrets_are_not_on_disk()
    {
        using var dir = new TempStoreDir();
        byte[] pattern = Enumerable.Range(0, 32).Select(i => (byte)(0xA5 ^ (i * 37))).ToArray();
        const string marker = "MARKER-tag-7f3c1e";
        using (var store = FasterObjectStore.Open(dir.Options() with { }))
        {
            for (int i = 0; i < 300; i++)
            {
                byte[] body = [.. Encoding.UTF8.GetBytes($"rec{i}:"), .. pattern, .. pattern];
                Assert.Equal(CommitStatus.Committed, store.Commit([new ObjectWrite($"secret-id-{i}", 0, body, [$"tag={marker}", $"name={marker}{i}"])]));
            }
            for (int i = 0; i < 300; i += 3)
                Assert.Equal(CommitStatus.Committed, store.Commit([new ObjectWrite($"secret-id-{i}", 1, pattern, [$"tag={marker}"])]));
        }
        byte[] markerBytes = Encoding.UTF8.GetBytes(marker);
        byte[] idBytes = Encoding.UTF8.GetBytes("secret-id-1");
        int files = 0;
        foreach (var file in Directory.GetFiles(dir.Data, "*", SearchOption.AllDirectories))
        {
            byte[] content = File.ReadAllBytes(file);
            files++;
            Assert.True(content.AsSpan().IndexOf(pattern) < 0, $"pattern found in {file}");
            Assert.True(content.AsSpan().IndexOf(pattern.AsSpan(0, 16)) < 0, $"half pattern found in {file}");
            Assert.True(content.AsSpan().IndexOf(markerBytes) < 0, $"marker found in {file}");
            Assert.True(content.AsSpan().IndexOf(idBytes) < 0, $"id found in {file}");
        }
        Assert.True(files >= 4, "expected log, kv, checkpoint and key files");
        // And the data is really there.
        using var reopened = dir.Open();
        Assert.True(reopened.TryRead("secret-id-3", out var r));
        Assert.Equal(pattern, r.Body.ToArray());
        Assert.Equal(300, reopened.FindByTerms([$"tag={marker}"]).Count);
    }

    [Fact]
    public void A_tampered_log_entry_fails_the_open()
    {
        using var dir = new TempStoreDir();
        string copy = Path.Combine(dir.Root, "copy");
        using (var store = FasterObjectStore.Open(dir.Options() with { CheckpointEveryCommits = 1_000_000 }))
        {
            for (int i = 0; i < 5; i++)
                Assert.Equal(CommitStatus.Committed, store.Commit([W.Put($"a{i}", 0, new string('x', 100))]));
            // The log is committed on disk: a copy taken now is what a crash would leave (no checkpoint yet).
            CopyTree(dir.Data, copy);
        }
        // The untouched copy recovers from the log alone.
        string clean = Path.Combine(dir.Root, "clean");
        CopyTree(copy, clean);
        using (var recovered = FasterObjectStore.Open(dir.Options() with { DataDirectory = clean }))
            Assert.Equal(5, recovered.Count);

        string wal = Directory.GetFiles(Path.Combine(copy, "wal"), "0*.seg").Single();
        byte[] bytes = File.ReadAllBytes(wal);
        bytes[WriteAheadLog.HeaderSize + 12 + 40] ^= 0x01; // inside the first group's ciphertext
        File.WriteAllBytes(wal, bytes);
        var ex = Assert.Throws<InvalidOperationException>(() => FasterObjectStore.Open(dir.Options() with { DataDirectory = copy }).Dispose());
        Assert.Contains("integrity", ex.Message);
    }

    private static void CopyTree(string from, string to)
    {
        foreach (var f in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            if (Path.GetFileName(f) == "store.lock") continue; // held by the live store
            var t = Path.Combine(to, Path.GetRelativePath(from, f));
            Directory.CreateDirectory(Path.GetDirectoryName(t)!);
            try { File.Copy(f, t); }
            catch (FileNotFoundException) { /* a superseded commit record deleted while we copy */ }
        }
    }
}
