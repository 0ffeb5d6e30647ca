using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Tests;

/// <summary>A clock the test moves by hand.</summary>
internal sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;
    public override DateTimeOffset GetUtcNow() => _now;
    public void Advance(TimeSpan by) => _now += by;
}

public sealed class LifecycleTests : IDisposable
{
    private static readonly DateTimeOffset s_start = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly ManualClock _clock = new(s_start);
    private readonly TestEngine _t;

    public LifecycleTests() => _t = new TestEngine(clock: _clock);

    public void Dispose() => _t.Dispose();

    private string Create(params TtlvElement[] extra) => _t.Ok(Operation.Create, Req.CreateAes(256, extra)).Find(Tag.UniqueIdentifier)!.Text;

    private State StateOf(string id, KmipVersion? v = null)
        => (State)_t.Ok(Operation.GetAttributes, Req.Payload(Req.Id(id), TtlvElement.Enumeration(Tag.AttributeReference, (uint)Tag.State)), v)
            .FindPath(Tag.Attributes, Tag.State)!.UInt32;

    private long? DateOf(string id, Tag tag)
        => _t.Ok(Operation.GetAttributes, Req.Payload(Req.Id(id), TtlvElement.Enumeration(Tag.AttributeReference, (uint)tag))).FindPath(Tag.Attributes, tag)?.Number;

    [Fact]
    public void Pre_active_activate_revoke_destroy()
    {
        var id = Create();
        Assert.Equal(State.PreActive, StateOf(id));
        _t.Ok(Operation.Activate, Req.Payload(Req.Id(id)));
        Assert.Equal(State.Active, StateOf(id));
        Assert.Equal(s_start.ToUnixTimeSeconds(), DateOf(id, Tag.ActivationDate));
        _t.Fails(ResultReason.WrongKeyLifecycleState, Operation.Activate, Req.Payload(Req.Id(id)));
        _t.Fails(ResultReason.PermissionDenied, Operation.Activate, Req.Payload(Req.Id(id)), Req.V1);
        // AKLC-M-2: Destroy of an Active object fails.
        _t.Fails(ResultReason.WrongKeyLifecycleState, Operation.Destroy, Req.Payload(Req.Id(id)));
        _t.Fails(ResultReason.PermissionDenied, Operation.Destroy, Req.Payload(Req.Id(id)), Req.V1);
        _t.Fails(ResultReason.MissingData, Operation.Revoke, Req.Payload(Req.Id(id)));
        _clock.Advance(TimeSpan.FromHours(1));
        _t.Ok(Operation.Revoke, Req.Payload(Req.Id(id), Req.RevokeReason(RevocationReasonCode.CessationOfOperation)));
        Assert.Equal(State.Deactivated, StateOf(id));
        Assert.Equal(_clock.GetUtcNow().ToUnixTimeSeconds(), DateOf(id, Tag.DeactivationDate));
        _t.Ok(Operation.Destroy, Req.Payload(Req.Id(id)));
        Assert.Equal(State.Destroyed, StateOf(id));
        _t.Ok(Operation.Revoke, Req.Payload(Req.Id(id), Req.RevokeReason(RevocationReasonCode.KeyCompromise)));
        Assert.Equal(State.DestroyedCompromised, StateOf(id));
        _t.Fails(ResultReason.WrongKeyLifecycleState, Operation.Revoke, Req.Payload(Req.Id(id), Req.RevokeReason(RevocationReasonCode.KeyCompromise)));
    }

    [Fact]
    public void Compromise_then_destroy_gives_destroyed_compromised()
    {
        var id = Create();
        _t.Ok(Operation.Activate, Req.Payload(Req.Id(id)));
        var occurred = s_start.AddDays(-3).ToUnixTimeSeconds();
        _t.Ok(Operation.Revoke, Req.Payload(Req.Id(id), Req.RevokeReason(RevocationReasonCode.KeyCompromise), TtlvElement.DateTime(Tag.CompromiseOccurrenceDate, occurred)));
        Assert.Equal(State.Compromised, StateOf(id));
        Assert.Equal(occurred, DateOf(id, Tag.CompromiseOccurrenceDate));
        Assert.NotNull(DateOf(id, Tag.CompromiseDate));
        _t.Fails(ResultReason.WrongKeyLifecycleState, Operation.Revoke, Req.Payload(Req.Id(id), Req.RevokeReason(RevocationReasonCode.Superseded)));
        var reason = _t.Ok(Operation.GetAttributes, Req.Payload(Req.Id(id), TtlvElement.Enumeration(Tag.AttributeReference, (uint)Tag.RevocationReason)));
        Assert.Equal((uint)RevocationReasonCode.KeyCompromise, reason.FindPath(Tag.Attributes, Tag.RevocationReason, Tag.RevocationReasonCode)!.UInt32);
        _t.Ok(Operation.Destroy, Req.Payload(Req.Id(id)));
        Assert.Equal(State.DestroyedCompromised, StateOf(id));
    }

    [Fact]
    public void Activation_date_in_the_past_makes_the_object_active_at_creation()
    {
        var id = Create(TtlvElement.DateTime(Tag.ActivationDate, s_start.AddMinutes(-1).ToUnixTimeSeconds()));
        Assert.Equal(State.Active, StateOf(id));
        var located = _t.Ok(Operation.Locate, Req.Payload(Req.Attrs(TtlvElement.Enumeration(Tag.State, (uint)State.Active))));
        Assert.Equal(id, located.Find(Tag.UniqueIdentifier)!.Text);
    }

    [Fact]
    public void Dates_drive_transitions_when_reached()
    {
        var id = Create(TtlvElement.DateTime(Tag.ActivationDate, s_start.AddDays(1).ToUnixTimeSeconds()),
            TtlvElement.DateTime(Tag.DeactivationDate, s_start.AddDays(2).ToUnixTimeSeconds()));
        Assert.Equal(State.PreActive, StateOf(id));
        _clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal(State.Active, StateOf(id));
        Assert.Equal(State.Active, StateOf(id, Req.V2));
        _clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal(State.Deactivated, StateOf(id));
        // Deactivated keys may be destroyed.
        _t.Ok(Operation.Destroy, Req.Payload(Req.Id(id)));
    }

    [Fact]
    public void Check_usage_mask()
    {
        var id = Create();
        _t.Ok(Operation.Check, Req.Payload(Req.Id(id), Req.Mask(CryptographicUsageMask.Encrypt)));
        _t.Fails(ResultReason.IncompatibleCryptographicUsageMask, Operation.Check, Req.Payload(Req.Id(id), Req.Mask(CryptographicUsageMask.Sign)));
        _t.Fails(ResultReason.PermissionDenied, Operation.Check, Req.Payload(Req.Id(id), Req.Mask(CryptographicUsageMask.Sign)), Req.V1);
        _t.Ok(Operation.Destroy, Req.Payload(Req.Id(id)));
        _t.Fails(ResultReason.ObjectDestroyed, Operation.Check, Req.Payload(Req.Id(id)));
    }

    [Fact]
    public void Archive_and_recover()
    {
        var id = Create(Req.Name("arch"));
        _t.Ok(Operation.Archive, Req.Payload(Req.Id(id)));
        _t.Fails(ResultReason.ObjectArchived, Operation.Get, Req.Payload(Req.Id(id)));
        Assert.NotNull(DateOf(id, Tag.ArchiveDate));
        Assert.Null(_t.Ok(Operation.Locate, Req.Payload(Req.Attrs(Req.Name("arch")))).Find(Tag.UniqueIdentifier));
        var archived = _t.Ok(Operation.Locate, Req.Payload(TtlvElement.Integer(Tag.StorageStatusMask, (int)StorageStatusMask.ArchivalStorage), Req.Attrs(Req.Name("arch"))));
        Assert.Equal(id, archived.Find(Tag.UniqueIdentifier)!.Text);
        _t.Ok(Operation.Recover, Req.Payload(Req.Id(id)));
        _t.Ok(Operation.Get, Req.Payload(Req.Id(id)));
        Assert.Null(DateOf(id, Tag.ArchiveDate));
    }
}
