using Kms.Engine.Storage;

namespace Kms.Engine.Tests.Storage;

public sealed class TermIndexTests
{
    [Fact]
    public void Postings_grow_past_the_small_array_and_shrink_back()
    {
        var index = new TermIndex();
        for (int i = 0; i < 40; i++)
            index.Put($"id{i}", 1, i, i % 2 == 0 ? ["t", "even"] : ["t"]);
        Assert.Equal(40, index.Find(["t"]).Count);
        Assert.Equal("id39", index.Find(["t"])[0]);
        Assert.Equal(20, index.Find(["even", "t"]).Count);

        for (int i = 0; i < 35; i++) index.Remove($"id{i}");
        Assert.Equal(["id39", "id38", "id37", "id36", "id35"], index.Find(["t"]));
        Assert.Equal(["id38", "id36"], index.Find(["t", "even"]));
        Assert.Equal(5, index.Count);

        // Changing terms moves the id between postings; emptied terms disappear.
        index.Put("id36", 2, 36, ["other"]);
        Assert.Equal(["id38"], index.Find(["even"]));
        Assert.Equal(["id36"], index.Find(["other"]));
        index.Remove("id36");
        Assert.Empty(index.Find(["other"]));
        Assert.True(index.TryGet("id38", out var e) && e.Version == 1);
    }

    [Fact]
    public void Random_puts_and_removes_match_a_simple_model_across_bitmap_chunks()
    {
        // Sequences spread over many 4096-wide chunks, terms from small to large postings, updates moving ids
        // between terms, removals emptying chunks and postings; every query is checked against a plain model.
        var random = new Random(7);
        var index = new TermIndex();
        var model = new Dictionary<string, (long Sequence, string[] Terms)>();
        long nextSequence = 1;
        string[] pool = ["a", "b", "c", "d", "rare1", "rare2"];
        string[] RandomTerms()
        {
            var terms = pool.Where(t => random.NextDouble() < (t.StartsWith("rare") ? 0.02 : 0.5)).ToArray();
            return terms.Length == 0 ? ["a"] : terms;
        }
        for (int step = 0; step < 20_000; step++)
        {
            int op = random.Next(10);
            if (op < 6 || model.Count == 0)
            {
                string id = "id" + step;
                long sequence = nextSequence;
                nextSequence += random.Next(1, 40); // gaps, as deleted ids leave them
                var terms = RandomTerms();
                index.Put(id, 1, sequence, terms);
                model[id] = (sequence, terms);
            }
            else
            {
                string id = model.Keys.ElementAt(random.Next(model.Count));
                if (op < 8)
                {
                    var terms = RandomTerms();
                    index.Put(id, 2, model[id].Sequence, terms);
                    model[id] = (model[id].Sequence, terms);
                }
                else
                {
                    index.Remove(id);
                    model.Remove(id);
                }
            }
            if (step % 997 == 0 || step == 19_999)
            {
                foreach (string[] query in new[] { new[] { "a" }, ["a", "b"], ["c", "d", "b"], ["rare1"], ["rare2", "a"] })
                {
                    var expected = model.Where(kv => query.All(kv.Value.Terms.Contains))
                        .OrderByDescending(kv => kv.Value.Sequence).Select(kv => kv.Key).ToList();
                    Assert.Equal(expected, index.Find(query));
                }
                Assert.Equal(model.Count, index.Count);
            }
        }
        foreach (var id in model.Keys.ToList()) index.Remove(id);
        Assert.Empty(index.Find(["a"]));
        Assert.Equal(0, index.Count);
    }

    [Fact]
    public async Task A_reader_always_sees_ids_that_keep_their_term_while_others_come_and_go()
    {
        // The stable ids carry "t" throughout; the writer adds and removes other ids with "t" (so the posting turns
        // from a small array into a bitmap, grows its chunk directory and empties chunks). No Find may miss one.
        var index = new TermIndex();
        string[] stable = ["s1", "s2", "s3"];
        for (int i = 0; i < stable.Length; i++) index.Put(stable[i], 1, i + 1, ["t"]);
        using var stop = new CancellationTokenSource();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        long misses = 0, reads = 0;
        var reader = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                var found = index.Find(["t"]);
                if (!stable.All(found.Contains)) Interlocked.Increment(ref misses);
                Interlocked.Increment(ref reads);
                started.TrySetResult();
            }
        });
        await started.Task; // the reader runs before the writer starts changing the posting
        long sequence = 10;
        var live = new Queue<string>();
        // At least 200,000 changes, and on until the reader has read a few hundred times (bounded).
        for (int round = 0; round < 5_000_000 && (round < 200_000 || Interlocked.Read(ref reads) < 300); round++)
        {
            string id = "x" + round;
            index.Put(id, 1, sequence, ["t"]);
            sequence += round < 200_000 ? 1 + round % 5000 : 1; // spreads the ids over many chunks
            live.Enqueue(id);
            if (live.Count > 40) index.Remove(live.Dequeue());
        }
        stop.Cancel();
        await reader;
        Assert.True(Interlocked.Read(ref reads) >= 300, $"the reader read only {reads} times");
        Assert.Equal(0, misses);
        Assert.Equal(stable.Length + live.Count, index.Find(["t"]).Count);
    }
}
