using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Tests;

public sealed class AttributeOperationTests : IDisposable
{
    private readonly TestEngine _t = new();

    public void Dispose() => _t.Dispose();

    private string Create1(params TtlvElement[] extra) => _t.Ok(Operation.Create, Req.CreateAes1(256, extra), Req.V1).Find(Tag.UniqueIdentifier)!.Text;
    private string Create2(params TtlvElement[] extra) => _t.Ok(Operation.Create, Req.CreateAes(256, extra)).Find(Tag.UniqueIdentifier)!.Text;

    private List<(int Index, string Value)> Names1(string id)
    {
        var p = _t.Ok(Operation.GetAttributes, Req.Payload(Req.Id(id), TtlvElement.TextString(Tag.AttributeName, "Name")), Req.V1);
        return [.. p.FindAll(Tag.Attribute).Select(a => (a.Find(Tag.AttributeIndex)?.Int32 ?? 0, a.FindPath(Tag.AttributeValue, Tag.NameValue)!.Text))];
    }

    [Fact]
    public void V1_indices_are_assigned_on_add_and_stable_across_deletes()
    {
        var id = Create1(Req.Attr1("Name", Req.Name("n0")));
        var added = _t.Ok(Operation.AddAttribute, Req.Payload(Req.Id(id), Req.Attr1("Name", Req.Name("n1"))), Req.V1);
        Assert.Equal(1, added.Find(Tag.Attribute)!.Find(Tag.AttributeIndex)!.Int32);
        _t.Ok(Operation.AddAttribute, Req.Payload(Req.Id(id), Req.Attr1("Name", Req.Name("n2"))), Req.V1);
        var deleted = _t.Ok(Operation.DeleteAttribute, Req.Payload(Req.Id(id), TtlvElement.TextString(Tag.AttributeName, "Name"), TtlvElement.Integer(Tag.AttributeIndex, 1)), Req.V1);
        Assert.Equal("n1", deleted.FindPath(Tag.Attribute, Tag.AttributeValue, Tag.NameValue)!.Text);
        Assert.Equal([(0, "n0"), (2, "n2")], Names1(id));
        _t.Ok(Operation.ModifyAttribute, Req.Payload(Req.Id(id), Req.Attr1("Name", Req.Name("n2b"), 2)), Req.V1);
        Assert.Equal([(0, "n0"), (2, "n2b")], Names1(id));
        _t.Fails(ResultReason.IndexOutOfBounds, Operation.ModifyAttribute, Req.Payload(Req.Id(id), Req.Attr1("Name", Req.Name("x"), 1)), Req.V1);
        _t.Fails(ResultReason.IndexOutOfBounds, Operation.DeleteAttribute, Req.Payload(Req.Id(id), TtlvElement.TextString(Tag.AttributeName, "Name"), TtlvElement.Integer(Tag.AttributeIndex, 7)), Req.V1);
        _t.Fails(ResultReason.ItemNotFound, Operation.DeleteAttribute, Req.Payload(Req.Id(id), TtlvElement.TextString(Tag.AttributeName, "Contact Information")), Req.V1);
        _t.Fails(ResultReason.InvalidField, Operation.AddAttribute, Req.Payload(Req.Id(id), Req.Attr1("Name", Req.Name("n9"), 3)), Req.V1);
    }

    [Fact]
    public void V1_custom_and_1x_only_attributes_are_kept()
    {
        var id = Create1(Req.Attr1("x-owner-team", TtlvElement.TextString(Tag.AttributeValue, "red")),
            Req.Attr1("Operation Policy Name", TtlvElement.TextString(Tag.AttributeValue, "default")));
        _t.Ok(Operation.AddAttribute, Req.Payload(Req.Id(id), Req.Attr1("x-owner-team", TtlvElement.TextString(Tag.AttributeValue, "blue"))), Req.V1);
        var attrs = _t.Ok(Operation.GetAttributes, Req.Payload(Req.Id(id)), Req.V1).FindAll(Tag.Attribute).ToList();
        Assert.Equal(["blue", "red"], attrs.Where(a => a.Find(Tag.AttributeName)!.Text == "x-owner-team").Select(a => a.Find(Tag.AttributeValue)!.Text).Order());
        Assert.Contains(attrs, a => a.Find(Tag.AttributeName)!.Text == "Operation Policy Name" && a.Find(Tag.AttributeValue)!.Text == "default");
        // 2.x has no Operation Policy Name.
        var attrs2 = _t.Ok(Operation.GetAttributes, Req.Payload(Req.Id(id))).Find(Tag.Attributes)!;
        Assert.Null(attrs2.Find(Tag.OperationPolicyName));
        Assert.Equal(2, attrs2.FindAll(Tag.Attribute).Count());
    }

    [Fact]
    public void V2_add_set_modify_delete()
    {
        var id = Create2(Req.Name("a"));
        _t.Ok(Operation.AddAttribute, Req.Payload(Req.Id(id), TtlvElement.Structure(Tag.NewAttribute, TtlvElement.TextString(Tag.Description, "first"))));
        _t.Fails(ResultReason.AttributeSingleValued, Operation.AddAttribute, Req.Payload(Req.Id(id), TtlvElement.Structure(Tag.NewAttribute, TtlvElement.TextString(Tag.Description, "dup"))));
        _t.Fails(ResultReason.NonUniqueNameAttribute, Operation.AddAttribute, Req.Payload(Req.Id(id), TtlvElement.Structure(Tag.NewAttribute, Req.Name("a"))));
        _t.Fails(ResultReason.AttributeReadOnly, Operation.ModifyAttribute, Req.Payload(Req.Id(id), TtlvElement.Structure(Tag.NewAttribute, TtlvElement.Enumeration(Tag.State, (uint)State.Compromised))));
        _t.Fails(ResultReason.AttributeReadOnly, Operation.AddAttribute, Req.Payload(Req.Id(id), TtlvElement.Structure(Tag.NewAttribute, TtlvElement.Integer(Tag.CryptographicLength, 5))));
        _t.Ok(Operation.SetAttribute, Req.Payload(Req.Id(id), TtlvElement.Structure(Tag.NewAttribute, TtlvElement.TextString(Tag.Description, "second"))));
        _t.Fails(ResultReason.MultiValuedAttribute, Operation.SetAttribute, Req.Payload(Req.Id(id), TtlvElement.Structure(Tag.NewAttribute, Req.Name("z"))));
        _t.Ok(Operation.AddAttribute, Req.Payload(Req.Id(id), TtlvElement.Structure(Tag.NewAttribute, Req.Name("b"))));
        _t.Ok(Operation.ModifyAttribute, Req.Payload(Req.Id(id), TtlvElement.Structure(Tag.CurrentAttribute, Req.Name("b")), TtlvElement.Structure(Tag.NewAttribute, Req.Name("c"))));
        _t.Fails(ResultReason.AttributeInstanceNotFound, Operation.ModifyAttribute, Req.Payload(Req.Id(id), TtlvElement.Structure(Tag.CurrentAttribute, Req.Name("zz")), TtlvElement.Structure(Tag.NewAttribute, Req.Name("y"))));
        _t.Fails(ResultReason.AttributeNotFound, Operation.ModifyAttribute, Req.Payload(Req.Id(id), TtlvElement.Structure(Tag.NewAttribute, TtlvElement.TextString(Tag.ContactInformation, "x"))));
        var attrs = _t.Ok(Operation.GetAttributes, Req.Payload(Req.Id(id))).Find(Tag.Attributes)!;
        Assert.Equal("second", attrs.Find(Tag.Description)!.Text);
        Assert.Equal(["a", "c"], attrs.FindAll(Tag.Name).Select(n => n.Find(Tag.NameValue)!.Text).Order());
        _t.Ok(Operation.DeleteAttribute, Req.Payload(Req.Id(id), TtlvElement.Structure(Tag.CurrentAttribute, Req.Name("a"))));
        _t.Ok(Operation.DeleteAttribute, Req.Payload(Req.Id(id), TtlvElement.Enumeration(Tag.AttributeReference, (uint)Tag.Description)));
        _t.Fails(ResultReason.AttributeNotFound, Operation.DeleteAttribute, Req.Payload(Req.Id(id), TtlvElement.Enumeration(Tag.AttributeReference, (uint)Tag.Description)));
        _t.Fails(ResultReason.AttributeReadOnly, Operation.DeleteAttribute, Req.Payload(Req.Id(id), TtlvElement.Enumeration(Tag.AttributeReference, (uint)Tag.UniqueIdentifier)));
        attrs = _t.Ok(Operation.GetAttributes, Req.Payload(Req.Id(id))).Find(Tag.Attributes)!;
        Assert.Null(attrs.Find(Tag.Description));
        Assert.Equal("c", Assert.Single(attrs.FindAll(Tag.Name)).Find(Tag.NameValue)!.Text);
        Assert.NotNull(attrs.Find(Tag.LastChangeDate));
        _t.Fails(ResultReason.OperationNotSupported, Operation.SetAttribute, Req.Payload(Req.Id(id)), Req.V1);
    }

    [Fact]
    public void V2_vendor_attributes()
    {
        var vendor = AttributeOf("acme", "color", TtlvElement.TextString(Tag.AttributeValue, "green"));
        var id = Create2(vendor);
        var attrs = _t.Ok(Operation.GetAttributes, Req.Payload(Req.Id(id), TtlvElement.Structure(Tag.AttributeReference,
            TtlvElement.TextString(Tag.VendorIdentification, "acme"), TtlvElement.TextString(Tag.AttributeName, "color")))).Find(Tag.Attributes)!;
        Assert.True(vendor.DeepEquals(Assert.Single(attrs.Children)));
        // A 1.x client sees it as a custom attribute.
        var v1 = _t.Ok(Operation.GetAttributes, Req.Payload(Req.Id(id), TtlvElement.TextString(Tag.AttributeName, "x-acme-color")), Req.V1);
        Assert.Equal("green", v1.FindPath(Tag.Attribute, Tag.AttributeValue)!.Text);
        _t.Fails(ResultReason.InvalidAttribute, Operation.AddAttribute, Req.Payload(Req.Id(id), TtlvElement.Structure(Tag.NewAttribute,
            TtlvElement.Structure(Tag.Attribute, TtlvElement.TextString(Tag.AttributeName, "no-vendor")))));
    }

    private static TtlvElement AttributeOf(string vendor, string name, TtlvElement value) => TtlvElement.Structure(Tag.Attribute,
        TtlvElement.TextString(Tag.VendorIdentification, vendor), TtlvElement.TextString(Tag.AttributeName, name), value);

    [Fact]
    public void Activation_date_only_changes_while_pre_active_and_sensitive_only_rises()
    {
        var id = Create1();
        var future = DateTimeOffset.UtcNow.AddDays(10).ToUnixTimeSeconds();
        _t.Ok(Operation.AddAttribute, Req.Payload(Req.Id(id), Req.Attr1("Activation Date", TtlvElement.DateTime(Tag.AttributeValue, future))), Req.V1);
        _t.Ok(Operation.Activate, Req.Payload(Req.Id(id)), Req.V1);
        // 1.4 SKLC-M-3: modifying the Activation Date of an active key → Permission Denied.
        _t.Fails(ResultReason.PermissionDenied, Operation.ModifyAttribute, Req.Payload(Req.Id(id), Req.Attr1("Activation Date", TtlvElement.DateTime(Tag.AttributeValue, future))), Req.V1);
        var id2 = Create2(TtlvElement.Boolean(Tag.Sensitive, true));
        _t.Fails(ResultReason.AttributeReadOnly, Operation.SetAttribute, Req.Payload(Req.Id(id2), TtlvElement.Structure(Tag.NewAttribute, TtlvElement.Boolean(Tag.Sensitive, false))));
        _t.Ok(Operation.SetAttribute, Req.Payload(Req.Id(id2), TtlvElement.Structure(Tag.NewAttribute, TtlvElement.Boolean(Tag.Extractable, false))));
        _t.Fails(ResultReason.AttributeReadOnly, Operation.SetAttribute, Req.Payload(Req.Id(id2), TtlvElement.Structure(Tag.NewAttribute, TtlvElement.Boolean(Tag.Extractable, true))));
    }
}
