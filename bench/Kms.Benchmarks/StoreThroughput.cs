using System.Diagnostics;
using Kms.Engine.Storage;

namespace Kms.Benchmarks;

/// <summary>
/// Console measurements of <see cref="FasterObjectStore"/> that BenchmarkDotNet does not fit (throughput
/// at N concurrent callers). Run with
/// <c>dotnet run -c Release --project bench/Kms.Benchmarks -- durable-creates [seconds]</c>, <c>… -- engine-creates [seconds]</c> or
/// <c>… -- locate-1m [records]</c>. Data goes to a temporary folder that is deleted afterwards.
/// </summary>
internal static class StoreThroughput
{
    private static FasterStoreOptions Options(string dir, string keyFile, long indexBuckets) => new()
    {
        DataDirectory = dir,
        MasterKeyFile = keyFile,
        IndexBuckets = indexBuckets,
        KvMemoryBytes = 1L << 28,
        LogSegmentBytes = 1L << 26,
        PageBytes = 1L << 22,
    };

    private static string WriteKey(string dir)
    {
        string keyFile = dir + ".key";
        File.WriteAllText(keyFile, Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
        return keyFile;
    }

    /// <summary>Durable single-object creates per second at 1, 16 and 64 concurrent callers, store only.</summary>
    public static void DurableCreates(double seconds)
    {
        Console.WriteLine($"durable store creates: each CommitAsync completes after the write-ahead log group holding it is written and fsynced; {seconds:F0} s per level");
        var body = new byte[256];
        System.Security.Cryptography.RandomNumberGenerator.Fill(body);
        foreach (int callers in new[] { 1, 16, 64 })
        {
            string dir = Path.Combine(Path.GetTempPath(), "kms-bench-" + Guid.NewGuid().ToString("N"));
            try
            {
                using var store = FasterObjectStore.Open(Options(dir, WriteKey(dir), 1 << 20));
                Report(callers, seconds, store, async (caller, i) =>
                {
                    string[] terms = ["owner=bench", "type=SymmetricKey", "state=Active", $"tag=t{caller % 8}"];
                    if (await store.CommitAsync([new ObjectWrite($"k-{caller}-{i}", 0, body, terms)]) != CommitStatus.Committed)
                        throw new InvalidOperationException("unexpected conflict");
                });
            }
            finally { Cleanup(dir); }
        }
    }

    /// <summary>
    /// Durable AES-256 Creates per second through <see cref="Kms.Engine.KmsEngine.ProcessAsync"/> (bytes in, bytes out,
    /// no sockets or TLS) at 1, 16 and 64 concurrent callers, with the process CPU time per create: the engine's and
    /// the store's share of a server's CPU per create.
    /// </summary>
    public static void EngineCreates(double seconds, int[] levels)
    {
        Console.WriteLine($"durable engine creates (KmsEngine.ProcessAsync, AES-256 Create, no transport); {seconds:F0} s per level");
        var caller = new Kms.Engine.CallerIdentity("bench", "socket", "127.0.0.1");
        byte[] request = Engine.EngineDurableCreateBenchmarks.CreateAes256Request();
        foreach (int callers in levels)
        {
            using var bench = new BenchEngine("engine-creates", (data, keyFile) => Options(data, keyFile, 1 << 20));
            var outputs = new System.Buffers.ArrayBufferWriter<byte>[callers];
            for (int c = 0; c < callers; c++) outputs[c] = new(1024);
            Report(callers, seconds, bench.Store, async (c, i) =>
            {
                outputs[c].ResetWrittenCount();
                await bench.Engine.ProcessAsync(request, outputs[c], caller);
            });
        }
    }

    /// <summary>Runs <paramref name="callers"/> concurrent asynchronous loops of <paramref name="op"/> and prints the figures.</summary>
    private static void Report(int callers, double seconds, FasterObjectStore store, Func<int, int, Task> op)
    {
        using var self = Process.GetCurrentProcess();
        // The first second warms up (JIT tiers, thread pool size, caches) and is not counted.
        const double warmUp = 1;
        long count = 0;
        var latencies = new List<double>[callers];
        var clock = Stopwatch.StartNew();
        var loops = new Task[callers];
        for (int t = 0; t < callers; t++)
        {
            int c = t;
            latencies[c] = new List<double>(1 << 16);
            loops[c] = Task.Run(async () =>
            {
                for (int i = 0; clock.Elapsed.TotalSeconds < warmUp + seconds; i++)
                {
                    long start = Stopwatch.GetTimestamp();
                    await op(c, i);
                    if (clock.Elapsed.TotalSeconds < warmUp) continue;
                    latencies[c].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                    Interlocked.Increment(ref count);
                }
            });
        }
        Thread.Sleep(TimeSpan.FromSeconds(warmUp));
        self.Refresh();
        var cpuBefore = self.TotalProcessorTime;
        long groupsBefore = store.GroupCommits;
        var pauseBefore = GC.GetTotalPauseDuration();
        int[] gcBefore = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
        var measured = Stopwatch.StartNew();
        Task.WaitAll(loops);
        double elapsed = measured.Elapsed.TotalSeconds;
        self.Refresh();
        double cpuUs = (self.TotalProcessorTime - cpuBefore).TotalMicroseconds / Math.Max(1, count);
        var all = latencies.SelectMany(l => l).Order().ToArray();
        Console.WriteLine($"callers={callers,3}  {count / elapsed,10:N0} creates/s  p50={all[all.Length / 2]:F2} ms  p99={all[(int)(all.Length * 0.99)]:F2} ms  " +
            $"CPU {cpuUs:F0} µs/create  commits per fsync={(double)count / Math.Max(1, store.GroupCommits - groupsBefore):F1}  " +
            $"GC pauses {(GC.GetTotalPauseDuration() - pauseBefore).TotalMilliseconds:F0} ms (gen0/1/2 {GC.CollectionCount(0) - gcBefore[0]}/{GC.CollectionCount(1) - gcBefore[1]}/{GC.CollectionCount(2) - gcBefore[2]})  load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
    }

    /// <summary>FindByTerms over <paramref name="records"/> records: a selective tag, a tag AND type, and a broad term.</summary>
    public static void Locate(int records)
    {
        string dir = Path.Combine(Path.GetTempPath(), "kms-bench-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var store = FasterObjectStore.Open(Options(dir, WriteKey(dir), 1 << 21));
            var body = new byte[128];
            var load = Stopwatch.StartNew();
            // Loaded with multi-record commits (200 per commit, 16 loaders) to keep the setup short.
            const int loaders = 16, perCommit = 200;
            var threads = new Thread[loaders];
            for (int t = 0; t < loaders; t++)
            {
                int thread = t;
                threads[t] = new Thread(() =>
                {
                    var batch = new List<ObjectWrite>(perCommit);
                    for (int start = thread * perCommit; start < records; start += loaders * perCommit)
                    {
                        batch.Clear();
                        for (int i = start; i < Math.Min(start + perCommit, records); i++)
                        {
                            string[] terms = ["owner=bench", i % 2 == 0 ? "type=SymmetricKey" : "type=PrivateKey", $"tag=t{i % 10_000}", $"name=key{i}"];
                            batch.Add(new ObjectWrite($"id-{i}", 0, body, terms));
                        }
                        store.Commit(batch);
                    }
                });
            }
            foreach (var th in threads) th.Start();
            foreach (var th in threads) th.Join();
            Console.WriteLine($"loaded {store.Count:N0} records in {load.Elapsed.TotalSeconds:F1} s ({store.Count / load.Elapsed.TotalSeconds:N0} records/s in 200-record commits)");
            Measure(store, "tag", ["tag=t42"]);
            Measure(store, "tag AND type", ["tag=t42", "type=SymmetricKey"]);
            Measure(store, "tag AND name (1 hit)", ["tag=t42", "name=key10042"]);
            Measure(store, "name", ["name=key777"]);
            Measure(store, "type (half of all)", ["type=SymmetricKey"], iterations: 3);
        }
        finally { Cleanup(dir); }
    }

    private static void Measure(FasterObjectStore store, string label, string[] terms, int iterations = 2000)
    {
        int hits = store.FindByTerms(terms).Count;
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < iterations; i++) store.FindByTerms(terms);
        double us = sw.Elapsed.TotalMicroseconds / iterations;
        long bytes = (GC.GetAllocatedBytesForCurrentThread() - allocated) / iterations;
        Console.WriteLine($"FindByTerms {label,-24} hits={hits,8:N0}  {us,12:N1} us/query  {bytes,12:N0} B/query");
    }

    private static void Cleanup(string dir)
    {
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        try { File.Delete(dir + ".key"); } catch (IOException) { }
    }
}
