namespace Kms.Engine.Tests;

/// <summary>The engine's cached reading of the system clock never lags or leads the wall clock's second, and costs no allocation per call.</summary>
public sealed class ClockTests
{
    [Fact]
    public void NowSeconds_with_the_system_clock_is_the_current_second_across_second_boundaries()
    {
        using var t = new TestEngine();
        var core = t.Engine.Core;
        int checks = 0;
        var seen = new HashSet<long>();
        // ~2.5 s: at least two second boundaries, each crossed by many readings.
        for (long until = Environment.TickCount64 + 2500; Environment.TickCount64 < until; checks++)
        {
            long before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            long now = core.NowSeconds;
            long after = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            Assert.InRange(now, before, after);
            seen.Add(now);
        }
        Assert.True(seen.Count >= 3, $"only {seen.Count} distinct seconds in {checks} readings");
    }

    [Fact]
    public void NowSeconds_allocates_at_most_one_reading_per_second()
    {
        using var t = new TestEngine();
        var core = t.Engine.Core;
        long sum = 0;
        for (long until = Environment.TickCount64 + 100; Environment.TickCount64 < until;) sum += core.NowSeconds; // JIT warm-up
        // Rounds of 1.05 s of back-to-back readings, each holding one last-20-ms window (where the clock is read at each
        // call) and at most two second boundaries (one 32-byte reading published at each). A per-call allocation shows
        // in every round; the runtime's own one-off work on this thread (tiered JIT) in one round only.
        long fewest = long.MaxValue;
        for (int round = 0; round < 3; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (long until = Environment.TickCount64 + 1050; Environment.TickCount64 < until;) sum += core.NowSeconds;
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        Assert.InRange(fewest, 0, 2 * 32);
        Assert.NotEqual(0, sum);
    }
}
