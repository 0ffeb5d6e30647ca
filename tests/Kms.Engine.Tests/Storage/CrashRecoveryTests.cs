using System.Diagnostics;
using Kms.Engine.CrashChild;
using Kms.Engine.Storage;
using Xunit.Abstractions;

namespace Kms.Engine.Tests.Storage;

/// <summary>
/// Kill -9 at random instants: a child process (tests/Kms.Engine.CrashChild) commits creates, updates,
/// deletes and two-record commits on 8 threads and prints each acknowledged result; the test kills it
/// with SIGKILL 100–700 ms after it opened the store, reopens the same data directory and checks that
/// every acknowledged change is there, every record decodes to the body of its version, and no
/// two-record commit is half applied. The cycles share one data directory, so each recovery starts
/// from the previous one's state.
/// </summary>
public sealed class CrashRecoveryTests(ITestOutputHelper output)
{
    private const int Cycles = 24;

    [Fact]
    public void Acknowledged_changes_survive_sigkill_at_random_instants()
    {
        using var dir = new TempStoreDir();
        var expected = new Dictionary<string, (char Kind, long Version)>(StringComparer.Ordinal);
        var pairs = new List<(string A, string B)>();
        var deleting = new HashSet<string>(StringComparer.Ordinal);
        int seed = Environment.TickCount;
        var rng = new Random(seed);
        long acks = 0;
        var sw = Stopwatch.StartNew();
        for (int cycle = 0; cycle < Cycles; cycle++)
        {
            var lines = RunAndKill(dir, cycle, rng.Next(100, 701));
            foreach (var line in lines)
            {
                if (!line.EndsWith(';')) continue; // cut by the kill: not an acknowledgement we can trust to be complete
                var f = line[..^1].Split(' ');
                switch (f[0])
                {
                    case "C" or "U": expected[f[1]] = (f[0][0], long.Parse(f[2])); acks++; break;
                    case "D": expected[f[1]] = ('D', 0); acks++; break;
                    case "P": pairs.Add((f[1], f[2])); acks++; break;
                    case "I": deleting.Add(f[1]); break;
                }
            }
            Verify(dir, expected, pairs, deleting, $"cycle {cycle} (seed {seed})");
        }
        output.WriteLine($"{Cycles} SIGKILL cycles, {acks} acknowledged changes checked, {expected.Count} ids, {sw.Elapsed.TotalSeconds:F1} s, seed {seed}");
        Assert.True(acks > Cycles, "the child acknowledged almost nothing: the test did not exercise recovery");
    }

    private static List<string> RunAndKill(TempStoreDir dir, int cycle, int killAfterMs)
    {
        var psi = new ProcessStartInfo(DotnetHost()) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { ChildDll(), dir.Data, dir.KeyFile, cycle.ToString(), "8" }) psi.ArgumentList.Add(a);
        using var child = Process.Start(psi)!;
        var lines = new List<string>();
        var ready = new ManualResetEventSlim();
        var reader = new Thread(() =>
        {
            while (child.StandardOutput.ReadLine() is { } line)
            {
                if (line == "READY;") ready.Set();
                else lock (lines) lines.Add(line);
            }
            ready.Set();
        });
        reader.Start();
        var stderr = child.StandardError.ReadToEndAsync();
        Assert.True(ready.Wait(TimeSpan.FromSeconds(60)), "the child did not open the store");
        if (child.HasExited) Assert.Fail("child exited early: " + stderr.Result);
        Thread.Sleep(killAfterMs);
        child.Kill(); // SIGKILL on Unix
        child.WaitForExit();
        reader.Join();
        lock (lines) return [.. lines];
    }

    private static void Verify(TempStoreDir dir, Dictionary<string, (char Kind, long Version)> expected, List<(string A, string B)> pairs, HashSet<string> deleting, string where)
    {
        using var store = dir.Open();
        foreach (var (id, (kind, version)) in expected)
        {
            bool found = store.TryRead(id, out var r);
            if (kind == 'D')
            {
                Assert.False(found, $"{where}: deleted {id} is back");
                continue;
            }
            if (!found && deleting.Contains(id)) continue; // its delete was under way when the child died
            Assert.True(found, $"{where}: acknowledged {id} v{version} is missing");
            Assert.True(r!.Version >= version, $"{where}: {id} is at v{r.Version}, acknowledged v{version}");
        }
        foreach (var (a, b) in pairs)
            Assert.True(store.TryRead(a, out _) && store.TryRead(b, out _), $"{where}: acknowledged pair {a}/{b} incomplete");

        var all = store.FindByTerms([]);
        Assert.Equal(store.Count, all.Count);
        var present = new HashSet<string>(all, StringComparer.Ordinal);
        foreach (var id in all)
        {
            Assert.True(store.TryRead(id, out var r), $"{where}: indexed {id} cannot be read");
            Assert.True(r.Body.Span.SequenceEqual(CrashBodies.Body(id, r.Version)), $"{where}: {id} v{r.Version} has a wrong body");
            if (id.EndsWith("-pa")) Assert.Contains(id[..^3] + "-pb", present);
            if (id.EndsWith("-pb")) Assert.Contains(id[..^3] + "-pa", present);
        }
        Assert.True(store.IsHealthy());
    }

    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>The child's build output next to this test assembly's configuration (Debug or Release).</summary>
    private static string ChildDll()
    {
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));   // …/bin/<Config>/net10.0
        string tfm = testBin.Name, config = testBin.Parent!.Name;
        string root = testBin.Parent!.Parent!.Parent!.Parent!.FullName;             // …/tests
        string dll = Path.Combine(root, "Kms.Engine.CrashChild", "bin", config, tfm, "Kms.Engine.CrashChild.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing: build Kms.sln (the test project references the child for build order)");
        return dll;
    }
}
