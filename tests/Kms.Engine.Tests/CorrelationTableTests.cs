using Kms.Engine.Model;
using Kms.Engine.Operations;
using Kms.Ttlv;

namespace Kms.Engine.Tests;

/// <summary>The multi-part state table: bounded per caller and in time, bound to the caller and the key.</summary>
public sealed class CorrelationTableTests
{
    private sealed class State : IDisposable
    {
        public bool Disposed { get; private set; }
        public void Dispose() => Disposed = true;
    }

    [Fact]
    public void One_caller_cannot_take_every_slot_and_expired_entries_are_disposed()
    {
        var table = new CorrelationTable<State>();
        var first = new State();
        table.Add(first, "alice", "k", now: 0);
        for (int i = 1; i < CorrelationTable<State>.CapacityPerUser; i++) table.Add(new State(), "alice", "k", now: 0);
        var refused = new State();
        var e = Assert.Throws<KmipFault>(() => table.Add(refused, "alice", "k", now: 1));
        Assert.Equal(ResultReason.GeneralFailure, e.Reason);
        Assert.True(refused.Disposed);
        table.Add(new State(), "bob", "k", now: 2);

        // Once alice's entries expire they are purged (and zeroed through Dispose) to make room.
        table.Add(new State(), "alice", "k", now: CorrelationTable<State>.Lifetime + 1);
        Assert.True(first.Disposed);
        Assert.Equal(2, table.Count);
    }

    [Fact]
    public void An_entry_is_bound_to_its_caller_and_key()
    {
        var table = new CorrelationTable<State>();
        var cv = table.Add(new State(), "alice", "k1", now: 0);
        Assert.Equal(ResultReason.InvalidCorrelationValue, Assert.Throws<KmipFault>(() => table.Take(cv, "bob", "k1", 1)).Reason);
        Assert.Equal(ResultReason.InvalidCorrelationValue, Assert.Throws<KmipFault>(() => table.Take(cv, "alice", "k2", 1)).Reason);
        var s = table.Take(cv, "alice", "k1", 1);
        Assert.False(s.Disposed);
        Assert.Equal(0, table.Count);
    }
}
