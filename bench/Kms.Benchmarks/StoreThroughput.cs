using System.Diagnostics;
using Kms.Engine.Storage;

namespace Kms.Benchmarks;

/// <summary>
/// Console measurements of <see cref="FasterObjectStore"/> that BenchmarkDotNet does not fit (throughput
/// at N concurrent callers). Run with
/// <c>dotnet run -c Release --project bench/Kms.Benchmarks -- durable-creates [seconds]</c> or
/// <c>… -- locate-1m [records]</c>. Data goes to a temporary folder that is deleted afterwards.
/// </summary>
internal static class StoreThroughput
{
    private static FasterStoreOptions Options(string dir, long indexBuckets) => new()
    {
        DataDirectory = dir,
        MasterKeyFile = WriteKey(dir),
        IndexBuckets = indexBuckets,
        KvMemoryBytes = 1L << 28,
        LogMemoryBytes = 1L << 26,
        PageBytes = 1L << 22,
    };

    private static string WriteKey(string dir)
    {
        string keyFile = dir + ".key";
        File.WriteAllText(keyFile, Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
        return keyFile;
    }

    /// <summary>Durable single-object creates per second at 1, 16 and 64 concurrent callers.</summary>
    public static void DurableCreates(double seconds)
    {
        Console.WriteLine($"durable creates: each Commit returns after the FasterLog commit (O_DSYNC write) of its entry; {seconds:F0} s per level");
        var body = new byte[256];
        System.Security.Cryptography.RandomNumberGenerator.Fill(body);
        foreach (int callers in new[] { 1, 16, 64 })
        {
            string dir = Path.Combine(Path.GetTempPath(), "kms-bench-" + Guid.NewGuid().ToString("N"));
            try
            {
                using var store = FasterObjectStore.Open(Options(dir, 1 << 20));
                long count = 0;
                var latencies = new List<double>[callers];
                var stop = Stopwatch.StartNew();
                var threads = new Thread[callers];
                for (int t = 0; t < callers; t++)
                {
                    int thread = t;
                    latencies[t] = new List<double>(1 << 16);
                    threads[t] = new Thread(() =>
                    {
                        string[] terms = ["owner=bench", "type=SymmetricKey", "state=Active", $"tag=t{thread % 8}"];
                        for (int i = 0; stop.Elapsed.TotalSeconds < seconds; i++)
                        {
                            long start = Stopwatch.GetTimestamp();
                            if (store.Commit([new ObjectWrite($"k-{thread}-{i}", 0, body, terms)]) != CommitStatus.Committed)
                                throw new InvalidOperationException("unexpected conflict");
                            latencies[thread].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                            Interlocked.Increment(ref count);
                        }
                    });
                }
                foreach (var th in threads) th.Start();
                foreach (var th in threads) th.Join();
                double elapsed = stop.Elapsed.TotalSeconds;
                var all = latencies.SelectMany(l => l).Order().ToArray();
                Console.WriteLine($"callers={callers,3}  {count / elapsed,10:N0} creates/s  p50={all[all.Length / 2]:F2} ms  p99={all[(int)(all.Length * 0.99)]:F2} ms  commits per fsync={(double)count / store.GroupCommits:F1}");
            }
            finally { Cleanup(dir); }
        }
    }

    /// <summary>FindByTerms over <paramref name="records"/> records: a selective tag, a tag AND type, and a broad term.</summary>
    public static void Locate(int records)
    {
        string dir = Path.Combine(Path.GetTempPath(), "kms-bench-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var store = FasterObjectStore.Open(Options(dir, 1 << 21));
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
