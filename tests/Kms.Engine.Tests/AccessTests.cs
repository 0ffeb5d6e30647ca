using Kms.Engine.Access;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Tests;

public sealed class AccessTests : IDisposable
{
    private static readonly CallerIdentity s_alice = new("alice", "http", null);
    private static readonly CallerIdentity s_bob = new("bob", "http", null);
    private readonly TestEngine _t = new();

    public void Dispose() => _t.Dispose();

    private string Create(string user = "alice", params TtlvElement[] extra)
        => _t.Ok(Operation.Create, Req.CreateAes(256, extra), null, user).Find(Tag.UniqueIdentifier)!.Text;

    [Fact]
    public void Others_see_nothing_without_grants()
    {
        var id = Create();
        _t.Fails(ResultReason.ObjectNotFound, Operation.Get, Req.Payload(Req.Id(id)), null, "bob");
        _t.Fails(ResultReason.ItemNotFound, Operation.GetAttributes, Req.Payload(Req.Id(id)), Req.V1, "bob");
        _t.Fails(ResultReason.ObjectNotFound, Operation.Destroy, Req.Payload(Req.Id(id)), null, "bob");
        Assert.Empty(_t.Ok(Operation.Locate, Req.Payload(Req.Attrs()), null, "bob").FindAll(Tag.UniqueIdentifier));
        Assert.Equal(AccessStatus.NotFound, _t.Engine.Access.Grant(s_bob, id, "bob", [Permission.Get]));
        Assert.Equal(AccessStatus.NotFound, _t.Engine.Access.ListByObject(s_bob, id, out _));
    }

    [Fact]
    public void A_grant_allows_exactly_its_operation()
    {
        var id = Create();
        Assert.Equal(AccessStatus.Ok, _t.Engine.Access.Grant(s_alice, id, "bob", [Permission.Get]));
        _t.Ok(Operation.Get, Req.Payload(Req.Id(id)), null, "bob");
        // Bob can see it now, so other operations are denied rather than hidden.
        _t.Fails(ResultReason.PermissionDenied, Operation.GetAttributes, Req.Payload(Req.Id(id)), null, "bob");
        _t.Fails(ResultReason.PermissionDenied, Operation.Activate, Req.Payload(Req.Id(id)), null, "bob");
        _t.Fails(ResultReason.PermissionDenied, Operation.AddAttribute, Req.Payload(Req.Id(id), TtlvElement.Structure(Tag.NewAttribute, Req.Name("x"))), null, "bob");
        _t.Fails(ResultReason.PermissionDenied, Operation.Revoke, Req.Payload(Req.Id(id), Req.RevokeReason(RevocationReasonCode.Unspecified)), null, "bob");
        // Locate needs its own grant.
        Assert.Empty(_t.Ok(Operation.Locate, Req.Payload(Req.Attrs()), null, "bob").FindAll(Tag.UniqueIdentifier));
        Assert.Equal(AccessStatus.Ok, _t.Engine.Access.Grant(s_alice, id, "bob", [Permission.Locate, Permission.Revoke, Permission.Destroy]));
        Assert.Equal(id, _t.Ok(Operation.Locate, Req.Payload(Req.Attrs()), null, "bob").Find(Tag.UniqueIdentifier)!.Text);
        _t.Ok(Operation.Revoke, Req.Payload(Req.Id(id), Req.RevokeReason(RevocationReasonCode.Unspecified)), null, "bob");
        _t.Ok(Operation.Destroy, Req.Payload(Req.Id(id)), null, "bob");
        // Only the owner grants.
        Assert.Equal(AccessStatus.Denied, _t.Engine.Access.Grant(s_bob, id, "carol", [Permission.Get]));
        Assert.Equal(AccessStatus.Denied, _t.Engine.Access.Revoke(s_bob, id, "bob", [Permission.Get]));
        Assert.Equal(AccessStatus.Invalid, _t.Engine.Access.Grant(s_alice, id, "alice", [Permission.Get]));
        Assert.Equal(AccessStatus.Invalid, _t.Engine.Access.Grant(s_alice, id, "bob", []));
    }

    [Fact]
    public void Revoked_grants_stop_working_and_listings_are_accurate()
    {
        var id = Create();
        var other = Create("carol");
        _t.Engine.Access.Grant(s_alice, id, "bob", [Permission.Get, Permission.Encrypt]);
        _t.Engine.Access.Grant(new CallerIdentity("carol", "http", null), other, "*", [Permission.GetAttributes]);
        Assert.Equal(AccessStatus.Ok, _t.Engine.Access.ListByObject(s_alice, id, out var grants));
        var g = Assert.Single(grants);
        Assert.Equal("bob", g.User);
        Assert.Equal([Permission.Get, Permission.Encrypt], g.Permissions);
        var obtained = _t.Engine.Access.Obtained(s_bob);
        Assert.Equal([other, id], obtained.Select(o => o.Id));
        Assert.Equal("alice", obtained[1].Owner);
        Assert.Equal([id], _t.Engine.Access.Owned(s_alice).Select(o => o.Id));
        Assert.Equal("_kk", _t.Engine.Access.Owned(s_alice)[0].Tags[0]);
        Assert.Equal(AccessStatus.Ok, _t.Engine.Access.Revoke(s_alice, id, "bob", [Permission.Get, Permission.Encrypt]));
        _t.Fails(ResultReason.ObjectNotFound, Operation.Get, Req.Payload(Req.Id(id)), null, "bob");
        Assert.Equal([other], _t.Engine.Access.Obtained(s_bob).Select(o => o.Id));
        Assert.Equal(AccessStatus.Ok, _t.Engine.Access.ListByObject(s_alice, id, out grants));
        Assert.Empty(grants);
    }

    [Fact]
    public void Grant_to_everyone()
    {
        var id = Create();
        _t.Engine.Access.Grant(s_alice, id, AccessControl.Everyone, [Permission.GetAttributes, Permission.Locate]);
        _t.Ok(Operation.GetAttributes, Req.Payload(Req.Id(id)), null, "zed");
        Assert.Equal(id, _t.Ok(Operation.Locate, Req.Payload(Req.Attrs()), null, "zed").Find(Tag.UniqueIdentifier)!.Text);
        _t.Fails(ResultReason.PermissionDenied, Operation.Get, Req.Payload(Req.Id(id)), null, "zed");
    }

    [Fact]
    public void Privileged_users_gate_create_and_register()
    {
        using var t = new TestEngine(privilegedUsers: ["admin"]);
        t.Ok(Operation.Create, Req.CreateAes(), null, "admin");
        t.Fails(ResultReason.PermissionDenied, Operation.Create, Req.CreateAes(), null, "alice");
        t.Fails(ResultReason.PermissionDenied, Operation.Register, Req.Payload(TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.SymmetricKey),
            Req.RawKey(CryptographicAlgorithm.AES, new byte[16])), null, "alice");
        // Non-privileged users still use what they are granted.
        var id = t.Ok(Operation.Create, Req.CreateAes(), null, "admin").Find(Tag.UniqueIdentifier)!.Text;
        t.Engine.Access.Grant(new CallerIdentity("admin", "http", null), id, "alice", [Permission.Get]);
        t.Ok(Operation.Get, Req.Payload(Req.Id(id)), null, "alice");
    }

    [Fact]
    public void Privileged_users_grant_and_revoke_the_create_right_on_any_object()
    {
        using var t = new TestEngine(privilegedUsers: ["admin"]);
        var admin = new CallerIdentity("admin", "http", null);
        var alice = new CallerIdentity("alice", "http", null);
        var register = Req.Payload(TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.SymmetricKey), Req.RawKey(CryptographicAlgorithm.AES, new byte[16]));
        t.Fails(ResultReason.PermissionDenied, Operation.Create, Req.CreateAes(), null, "alice");

        // Only a privileged user grants it, and only Create on "*".
        Assert.Equal(AccessStatus.Denied, t.Engine.Access.Grant(alice, AccessControl.AnyObject, "alice", [Permission.Create]));
        Assert.Equal(AccessStatus.Invalid, t.Engine.Access.Grant(admin, AccessControl.AnyObject, "alice", [Permission.Get]));
        Assert.Equal(AccessStatus.Ok, t.Engine.Access.Grant(admin, AccessControl.AnyObject, "alice", [Permission.Create]));

        var id = t.Ok(Operation.Create, Req.CreateAes(), null, "alice").Find(Tag.UniqueIdentifier)!.Text;
        t.Ok(Operation.Register, register, null, "alice");
        t.Ok(Operation.Get, Req.Payload(Req.Id(id)), null, "alice");   // alice owns what she created
        t.Fails(ResultReason.PermissionDenied, Operation.Create, Req.CreateAes(), null, "bob");
        Assert.Equal(AccessStatus.Ok, t.Engine.Access.ListByObject(admin, AccessControl.AnyObject, out var grants));
        Assert.Equal("alice", Assert.Single(grants).User);
        Assert.Equal(AccessStatus.Denied, t.Engine.Access.ListByObject(alice, AccessControl.AnyObject, out _));
        // "*" is not a managed object.
        t.Fails(ResultReason.ObjectNotFound, Operation.Get, Req.Payload(Req.Id(AccessControl.AnyObject)), null, "alice");

        Assert.Equal(AccessStatus.Ok, t.Engine.Access.Revoke(admin, AccessControl.AnyObject, "alice", [Permission.Create]));
        t.Fails(ResultReason.PermissionDenied, Operation.Create, Req.CreateAes(), null, "alice");
        t.Fails(ResultReason.PermissionDenied, Operation.Register, register, null, "alice");

        // A grant to "*" lets every authenticated user create.
        Assert.Equal(AccessStatus.Ok, t.Engine.Access.Grant(admin, AccessControl.AnyObject, AccessControl.Everyone, [Permission.Create]));
        t.Ok(Operation.Create, Req.CreateAes(), null, "bob");
    }

    [Fact]
    public void The_create_right_needs_a_privileged_users_list()
    {
        using var t = new TestEngine();
        Assert.Equal(AccessStatus.Invalid, t.Engine.Access.Grant(new CallerIdentity("admin", "http", null), AccessControl.AnyObject, "alice", [Permission.Create]));
        t.Ok(Operation.Create, Req.CreateAes(), null, "alice");
    }
}
