using System.Buffers.Binary;
using Kms.Engine.Storage;

namespace Kms.Engine.Tests.Storage;

public sealed class ConcurrencyTests
{
    private static byte[] Counter(long value)
    {
        var b = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(b, value);
        return b;
    }

    /// <summary>Runs <paramref name="body"/> on <paramref name="n"/> threads and rethrows the first failure.</summary>
    internal static void RunThreads(int n, Action<int> body)
    {
        var errors = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        var threads = Enumerable.Range(0, n).Select(i => new Thread(() =>
        {
            try { body(i); } catch (Exception ex) { errors.Enqueue(ex); }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        if (errors.TryDequeue(out var first)) throw new AggregateException(first);
    }

    [Fact]
    public void Read_modify_write_on_one_id_loses_no_increment()
    {
        using var dir = new TempStoreDir();
        using var store = dir.Open();
        Assert.Equal(CommitStatus.Committed, store.Commit([new ObjectWrite("counter", 0, Counter(0), ["kind=counter"])]));
        const int threads = 8, incrementsPerThread = 25;
        long committed = 0, conflicts = 0;
        RunThreads(threads, _ =>
        {
            for (int done = 0; done < incrementsPerThread;)
            {
                Assert.True(store.TryRead("counter", out var r));
                long value = BinaryPrimitives.ReadInt64LittleEndian(r.Body.Span);
                var status = store.Commit([new ObjectWrite("counter", r.Version, Counter(value + 1), ["kind=counter"])]);
                if (status == CommitStatus.Committed) { done++; Interlocked.Increment(ref committed); }
                else Interlocked.Increment(ref conflicts);
            }
        });

        Assert.True(store.TryRead("counter", out var final));
        Assert.Equal(threads * incrementsPerThread, committed);
        Assert.Equal(committed, BinaryPrimitives.ReadInt64LittleEndian(final.Body.Span));
        Assert.Equal(committed + 1, final.Version);
        Assert.Equal(["counter"], store.FindByTerms(["kind=counter"]));
    }

    [Fact]
    public void Disjoint_ids_and_a_shared_id_under_concurrent_commits()
    {
        using var dir = new TempStoreDir();
        long sharedCommits = 0;
        using (var store = dir.Open())
        {
            Assert.Equal(CommitStatus.Committed, store.Commit([new ObjectWrite("shared", 0, Counter(0), [])]));
            RunThreads(8, t =>
            {
                for (int i = 0; i < 40; i++)
                {
                    string id = $"t{t}-{i}";
                    Assert.Equal(CommitStatus.Committed, store.Commit([new ObjectWrite(id, 0, Counter(i), [$"thread={t}", "all"])]));
                    Assert.Equal(CommitStatus.Committed, store.Commit([new ObjectWrite(id, 1, Counter(i * 10), [$"thread={t}", "all", "updated"])]));
                    if (i % 4 == 0)
                        Assert.Equal(CommitStatus.Committed, store.Commit([new ObjectWrite(id, 2, null, [])]));
                    // A multi-write commit that also touches the shared id: all or nothing.
                    Assert.True(store.TryRead("shared", out var s));
                    long v = BinaryPrimitives.ReadInt64LittleEndian(s.Body.Span);
                    if (store.Commit([new ObjectWrite("shared", s.Version, Counter(v + 1), []), new ObjectWrite($"pair-{t}-{i}", 0, Counter(v + 1), ["pair"])]) == CommitStatus.Committed)
                        Interlocked.Increment(ref sharedCommits);
                }
            });
            Check(store);
        }
        using (var reopened = dir.Open())
            Check(reopened);

        void Check(IObjectStore store)
        {
            Assert.Equal(8 * 30, store.FindByTerms(["updated"]).Count);
            for (int t = 0; t < 8; t++)
                Assert.Equal(30, store.FindByTerms([$"thread={t}", "all"]).Count);
            Assert.True(store.TryRead("shared", out var s));
            Assert.Equal(sharedCommits, BinaryPrimitives.ReadInt64LittleEndian(s.Body.Span));
            Assert.Equal(sharedCommits, store.FindByTerms(["pair"]).Count);
            Assert.Equal(1 + 8 * 30 + sharedCommits, store.Count);
        }
    }
}
