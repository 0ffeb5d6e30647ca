using System.Diagnostics;
using System.Globalization;

namespace Kms.Benchmarks.Crypto;

/// <summary>
/// Console mode <c>aes-gcm-ab</c>: the benchmarks of <see cref="AesGcmEncryptBench"/> (raw <see cref="System.Security.Cryptography.AesGcm"/>,
/// crypto layer, whole engine message; 64 B and 4 KiB) in one process, interleaved in batches of 200 calls, reporting the
/// fastest and the median batch. BenchmarkDotNet runs each benchmark in its own process, one after the other, so on a
/// shared, loaded box its ratio mixes load changes and per-process differences (the raw call alone varies by ~0.14 µs
/// from one process to the next here); interleaving exposes every variant to the same conditions.
/// </summary>
internal static class AesGcmInterleaved
{
    private const int Batch = 200;

    /// <summary>
    /// Runs <paramref name="rounds"/> rounds of every variant and prints per-call times and throughput against raw. With
    /// <paramref name="only"/>, runs just the variant of that name (e.g. "engine 4 KiB"), for a CPU profile of one path.
    /// </summary>
    public static void Run(int rounds, string? only = null)
    {
        var bench = new AesGcmEncryptBench();
        bench.Setup();
        try
        {
            var variants = new (string Name, Action Call)[]
            {
                ("raw 64 B", bench.Raw64), ("layer 64 B", () => bench.Layer64()), ("engine 64 B", () => bench.Engine64()),
                ("raw 4 KiB", bench.Raw4K), ("layer 4 KiB", () => bench.Layer4K()), ("engine 4 KiB", () => bench.Engine4K()),
                // 64 B and 4 KiB in turn: every engine request has another shape than the one before (no per-thread memo helps).
                ("raw mixed", () => { bench.Raw64(); bench.Raw4K(); }), ("layer mixed", () => { bench.Layer64(); bench.Layer4K(); }),
                ("engine mixed", () => { bench.Engine64(); bench.Engine4K(); }),
            };
            if (only is not null)
            {
                var call = variants.Single(v => v.Name == only).Call;
                for (long i = 0; i < (long)rounds * Batch; i++) call();
                return;
            }
            var ns = new double[variants.Length][];
            for (int v = 0; v < variants.Length; v++) ns[v] = new double[rounds];
            // Warm-up: 3 s, long enough for the tiered JIT to install the optimized code of every path.
            for (long until = Stopwatch.GetTimestamp() + 3 * Stopwatch.Frequency; Stopwatch.GetTimestamp() < until;)
                foreach (var (_, call) in variants) for (int i = 0; i < Batch; i++) call();
            for (int r = 0; r < rounds; r++)
            {
                for (int v = 0; v < variants.Length; v++)
                {
                    var call = variants[v].Call;
                    long start = Stopwatch.GetTimestamp();
                    for (int i = 0; i < Batch; i++) call();
                    ns[v][r] = Stopwatch.GetElapsedTime(start).TotalNanoseconds / Batch;
                }
            }
            Console.WriteLine($"{"variant",-14} {"min ns",8} {"median ns",10} {"raw/this (min)",15} {"raw/this (median)",18}");
            for (int v = 0; v < variants.Length; v++)
            {
                Array.Sort(ns[v]);
                int raw = v / 3 * 3;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{variants[v].Name,-14} {ns[v][0],8:F0} {ns[v][rounds / 2],10:F0} {ns[raw][0] / ns[v][0],15:F2} {ns[raw][rounds / 2] / ns[v][rounds / 2],18:F2}"));
            }
        }
        finally
        {
            bench.Cleanup();
        }
    }
}
