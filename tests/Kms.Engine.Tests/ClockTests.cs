namespace Kms.Engine.Tests;

/// <summary>The engine's cached reading of the system clock never lags or leads the wall clock's second.</summary>
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
}
