using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Tests;

public sealed class LocateTests : IDisposable
{
    private static readonly DateTimeOffset s_start = new(2031, 6, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly ManualClock _clock = new(s_start);
    private readonly TestEngine _t;

    public LocateTests() => _t = new TestEngine(clock: _clock);

    public void Dispose() => _t.Dispose();

    private string Create(int bits, params TtlvElement[] extra)
    {
        var id = _t.Ok(Operation.Create, Req.CreateAes(bits, extra)).Find(Tag.UniqueIdentifier)!.Text;
        _clock.Advance(TimeSpan.FromMinutes(1));
        return id;
    }

    private List<string> Locate(KmipVersion? v = null, string user = "alice", params TtlvElement[] fields)
        => [.. _t.Ok(Operation.Locate, Req.Payload(fields), v, user).FindAll(Tag.UniqueIdentifier).Select(u => u.Text)];

    private List<string> Where(params TtlvElement[] attributes) => Locate(null, "alice", Req.Attrs(attributes));

    [Fact]
    public void Filters_combine_with_and_and_results_are_newest_first()
    {
        var a = Create(128, Req.Name("alpha"), TtlvElement.TextString(Tag.ObjectGroup, "g1"));
        var b = Create(256, Req.Name("beta"), TtlvElement.TextString(Tag.ObjectGroup, "g1"));
        var c = Create(256, Req.Name("gamma"), Req.Mask(CryptographicUsageMask.Encrypt | CryptographicUsageMask.Decrypt | CryptographicUsageMask.WrapKey));
        var s = _t.Ok(Operation.Create, Req.Payload(TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.SecretData))).Find(Tag.UniqueIdentifier)!.Text;

        Assert.Equal([s, c, b, a], Where());
        Assert.Equal([c, b, a], Where(TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.SymmetricKey)));
        Assert.Equal([b], Where(Req.Name("beta")));
        Assert.Equal([c, b], Where(Req.Len(256), Req.Alg(CryptographicAlgorithm.AES)));
        Assert.Equal([b, a], Where(TtlvElement.TextString(Tag.ObjectGroup, "g1")));
        Assert.Equal([b], Where(TtlvElement.TextString(Tag.ObjectGroup, "g1"), Req.Len(256)));
        Assert.Empty(Where(Req.Name("beta"), Req.Len(128)));
        Assert.Equal([c], Where(Req.Mask(CryptographicUsageMask.WrapKey | CryptographicUsageMask.Encrypt)));
        Assert.Equal([c, b, a], Where(Req.Mask(CryptographicUsageMask.Encrypt)));
        // Structure fields given partially: Name with only its value.
        Assert.Equal([a], Where(TtlvElement.Structure(Tag.Name, TtlvElement.TextString(Tag.NameValue, "alpha"))));
        Assert.Equal([c, b, a], Where(TtlvElement.Enumeration(Tag.State, (uint)State.PreActive), TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.SymmetricKey)));
    }

    [Fact]
    public void Date_ranges_are_inclusive()
    {
        var a = Create(128);
        var b = Create(128);
        var c = Create(128);
        long ta = s_start.ToUnixTimeSeconds(), tb = ta + 60, tc = ta + 120;
        Assert.Equal([c, b], Where(TtlvElement.DateTime(Tag.InitialDate, tb), TtlvElement.DateTime(Tag.InitialDate, tc)));
        Assert.Equal([b, a], Where(TtlvElement.DateTime(Tag.InitialDate, tb), TtlvElement.DateTime(Tag.InitialDate, ta)));
        Assert.Equal([a], Where(TtlvElement.DateTime(Tag.InitialDate, ta)));
        _t.Fails(ResultReason.InvalidField, Operation.Locate, Req.Payload(Req.Attrs(TtlvElement.DateTime(Tag.InitialDate, 1), TtlvElement.DateTime(Tag.InitialDate, 2), TtlvElement.DateTime(Tag.InitialDate, 3))));
    }

    [Fact]
    public void Links_custom_attributes_and_vendor_attributes()
    {
        var target = Create(128);
        var link = TtlvElement.Structure(Tag.Link, TtlvElement.Enumeration(Tag.LinkType, (uint)LinkType.ParentLink), TtlvElement.TextString(Tag.LinkedObjectIdentifier, target));
        var child = Create(128, link, TtlvElement.Structure(Tag.Attribute, TtlvElement.TextString(Tag.VendorIdentification, "acme"),
            TtlvElement.TextString(Tag.AttributeName, "env"), TtlvElement.TextString(Tag.AttributeValue, "prod")));
        Create(128);
        Assert.Equal([child], Where(link));
        Assert.Equal([child], Where(TtlvElement.Structure(Tag.Link, TtlvElement.TextString(Tag.LinkedObjectIdentifier, target))));
        Assert.Equal([child], Where(TtlvElement.Structure(Tag.Attribute, TtlvElement.TextString(Tag.VendorIdentification, "acme"),
            TtlvElement.TextString(Tag.AttributeName, "env"), TtlvElement.TextString(Tag.AttributeValue, "prod"))));
        Assert.Empty(Where(TtlvElement.Structure(Tag.Attribute, TtlvElement.TextString(Tag.VendorIdentification, "acme"),
            TtlvElement.TextString(Tag.AttributeName, "env"), TtlvElement.TextString(Tag.AttributeValue, "dev"))));
        // 1.x custom attribute
        var v1 = _t.Ok(Operation.Create, Req.CreateAes1(128, Req.Attr1("x-app", TtlvElement.TextString(Tag.AttributeValue, "billing"))), Req.V1).Find(Tag.UniqueIdentifier)!.Text;
        var found = _t.Ok(Operation.Locate, Req.Payload(Req.Attr1("x-app", TtlvElement.TextString(Tag.AttributeValue, "billing"))), Req.V1);
        Assert.Equal(v1, Assert.Single(found.FindAll(Tag.UniqueIdentifier)).Text);
        Assert.Null(found.Find(Tag.LocatedItems)); // only with Offset Items
        var paged = _t.Ok(Operation.Locate, Req.Payload(TtlvElement.Integer(Tag.OffsetItems, 0), Req.Attr1("x-app", TtlvElement.TextString(Tag.AttributeValue, "billing"))), Req.V1);
        Assert.Equal(1, paged.Find(Tag.LocatedItems)!.Int32);
        Assert.Null(_t.Ok(Operation.Locate, Req.Payload(TtlvElement.Integer(Tag.OffsetItems, 0), Req.Attr1("x-app", TtlvElement.TextString(Tag.AttributeValue, "billing"))), KmipVersion.V1_2).Find(Tag.LocatedItems));
    }

    [Fact]
    public void Maximum_items_offset_and_located_items()
    {
        var ids = Enumerable.Range(0, 5).Select(_ => Create(128)).Reverse().ToList();
        var p = _t.Ok(Operation.Locate, Req.Payload(TtlvElement.Integer(Tag.MaximumItems, 2), TtlvElement.Integer(Tag.OffsetItems, 1), Req.Attrs()));
        Assert.Equal(5, p.Find(Tag.LocatedItems)!.Int32);
        Assert.Equal(ids.Skip(1).Take(2), p.FindAll(Tag.UniqueIdentifier).Select(u => u.Text));
        _t.Fails(ResultReason.InvalidField, Operation.Locate, Req.Payload(TtlvElement.Integer(Tag.MaximumItems, -1)));
    }

    [Fact]
    public void Destroyed_objects_need_the_destroyed_storage_bit_or_a_destroyed_state_filter()
    {
        var id = Create(128, Req.Name("gone"));
        _t.Ok(Operation.Destroy, Req.Payload(Req.Id(id)));
        Assert.Empty(Where(Req.Name("gone")));
        Assert.Equal([id], Locate(null, "alice", TtlvElement.Integer(Tag.StorageStatusMask, (int)StorageStatusMask.DestroyedStorage), Req.Attrs(Req.Name("gone"))));
        Assert.Equal([id], Where(Req.Name("gone"), TtlvElement.Enumeration(Tag.State, (uint)State.Destroyed)));
    }

    [Fact]
    public void Single_result_sets_the_placeholder_and_several_results_empty_it()
    {
        Create(128, Req.Name("p1"));
        Create(128, Req.Name("p2"));
        var response = _t.Send(Req.Message(Req.V2, [
            (Operation.Locate, Req.Payload(Req.Attrs(Req.Name("p1")))),
            (Operation.GetAttributes, Req.Payload()),
            (Operation.Locate, Req.Payload(Req.Attrs())),
            (Operation.GetAttributes, Req.Payload()),
        ], TtlvElement.Enumeration(Tag.BatchErrorContinuationOption, (uint)BatchErrorContinuationOption.Continue)));
        var items = response.FindAll(Tag.BatchItem).Select(b => new Item(b)).ToList();
        Assert.Equal(ResultStatus.Success, items[1].Status);
        Assert.Equal(ResultReason.ObjectNotFound, items[3].Reason);
    }

    [Fact]
    public void Index_only_and_filtering_paths_agree()
    {
        var uri = _t.Ok(Operation.Create, Req.CreateAes(128, TtlvElement.Structure(Tag.Name, TtlvElement.TextString(Tag.NameValue, "n1"),
            TtlvElement.Enumeration(Tag.NameType, (uint)NameType.URI)), Req.Tags("shared"))).Find(Tag.UniqueIdentifier)!.Text;
        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Empty(Where(Req.Name("n1")));
        Assert.Equal([uri], Where(TtlvElement.Structure(Tag.Name, TtlvElement.TextString(Tag.NameValue, "n1"), TtlvElement.Enumeration(Tag.NameType, (uint)NameType.URI))));
        Assert.Equal([uri], Where(TtlvElement.Structure(Tag.Name, TtlvElement.TextString(Tag.NameValue, "n1"))));

        // Bob owns one tagged object and may locate one of Alice's: results from both scopes, newest first.
        var bobs = _t.Ok(Operation.Create, Req.CreateAes(128, Req.Tags("shared")), null, "bob").Find(Tag.UniqueIdentifier)!.Text;
        _clock.Advance(TimeSpan.FromMinutes(1));
        var alices = Create(128, Req.Tags("shared"));
        _t.Engine.Access.Grant(new CallerIdentity("alice", "http", null), alices, "bob", [Kms.Engine.Access.Permission.Locate]);
        Assert.Equal([alices, bobs], Locate(null, "bob", Req.Attrs(Req.Tags("shared"))));
        Assert.Equal([alices, uri], Where(Req.Tags("shared")));
        // Archived objects leave the index-only path too.
        _t.Ok(Operation.Archive, Req.Payload(Req.Id(uri)));
        Assert.Equal([alices], Where(Req.Tags("shared")));
    }
}
