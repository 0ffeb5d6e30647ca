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
        long sum = core.NowSeconds;
        long before = GC.GetAllocatedBytesForCurrentThread();
        // ~1.5 s of back-to-back readings: at most two second boundaries, each publishing one 32-byte reading; the
        // last 20 ms of every second (when the clock is read each time) must not allocate per call.
        for (long until = Environment.TickCount64 + 1500; Environment.TickCount64 < until;) sum += core.NowSeconds;
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 3 * 32);
        Assert.NotEqual(0, sum);
    }
}
