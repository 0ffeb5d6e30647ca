using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Tests;

public sealed class TagTests : IDisposable
{
    private readonly TestEngine _t = new();

    public void Dispose() => _t.Dispose();

    private string Create(params string[] tags) => _t.Ok(Operation.Create, Req.CreateAes(256, Req.Tags(tags))).Find(Tag.UniqueIdentifier)!.Text;

    private List<string> ByTags(params string[] tags)
        => [.. _t.Ok(Operation.Locate, Req.Payload(Req.Attrs(Req.Tags(tags)))).FindAll(Tag.UniqueIdentifier).Select(u => u.Text)];

    [Fact]
    public void Locate_by_several_tags_means_all_of_them()
    {
        var a = Create("prod", "db");
        var b = Create("prod");
        var c = Create("db");
        Assert.Equal([b, a], ByTags("prod"));
        Assert.Equal([a], ByTags("prod", "db"));
        Assert.Equal([c, a], ByTags("db"));
        Assert.Empty(ByTags("prod", "db", "eu"));
    }

    [Fact]
    public void System_tags_are_automatic()
    {
        var key = Create("x");
        var sd = _t.Ok(Operation.Create, Req.Payload(TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.SecretData))).Find(Tag.UniqueIdentifier)!.Text;
        var oo = _t.Ok(Operation.Register, Req.Payload(TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.OpaqueObject),
            TtlvElement.Structure(Tag.OpaqueObject, TtlvElement.Enumeration(Tag.OpaqueDataType, 0x80000001), TtlvElement.ByteString(Tag.OpaqueDataValue, [1])))).Find(Tag.UniqueIdentifier)!.Text;
        var cert = _t.Ok(Operation.Register, Req.Payload(TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.Certificate),
            TtlvElement.Structure(Tag.Certificate, TtlvElement.Enumeration(Tag.CertificateType, (uint)CertificateType.X_509), TtlvElement.ByteString(Tag.CertificateValue, [0x30])))).Find(Tag.UniqueIdentifier)!.Text;
        Assert.Equal([key], ByTags("_kk"));
        Assert.Equal([key], ByTags("_kk", "x"));
        Assert.Equal([sd], ByTags("_sd"));
        Assert.Equal([oo], ByTags("_oo"));
        Assert.Equal([cert], ByTags("_cert"));
        Assert.Empty(ByTags("_sk"));
    }

    [Fact]
    public void User_tags_may_not_start_with_underscore_and_must_be_a_json_array()
    {
        _t.Fails(ResultReason.InvalidAttribute, Operation.Create, Req.CreateAes(256, Req.Tags("_kk")));
        _t.Fails(ResultReason.InvalidAttributeValue, Operation.Create, Req.CreateAes(256, TtlvElement.Structure(Tag.Attribute,
            TtlvElement.TextString(Tag.VendorIdentification, "cosmian"), TtlvElement.TextString(Tag.AttributeName, "tag"), TtlvElement.TextString(Tag.AttributeValue, "{\"a\":1}"))));
        _t.Fails(ResultReason.InvalidAttributeValue, Operation.Create, Req.CreateAes(256, TtlvElement.Structure(Tag.Attribute,
            TtlvElement.TextString(Tag.VendorIdentification, "cosmian"), TtlvElement.TextString(Tag.AttributeName, "tag"), TtlvElement.TextString(Tag.AttributeValue, "[1,2]"))));
        var id = Create("ok");
        _t.Fails(ResultReason.InvalidAttribute, Operation.AddAttribute, Req.Payload(Req.Id(id), TtlvElement.Structure(Tag.NewAttribute, Req.Tags("_x"))));
    }

    [Fact]
    public void Tags_are_returned_added_and_deleted()
    {
        var id = Create("one");
        _t.Ok(Operation.AddAttribute, Req.Payload(Req.Id(id), TtlvElement.Structure(Tag.NewAttribute, Req.Tags("two"))));
        var attrs = _t.Ok(Operation.GetAttributes, Req.Payload(Req.Id(id), TtlvElement.Structure(Tag.AttributeReference,
            TtlvElement.TextString(Tag.VendorIdentification, "cosmian"), TtlvElement.TextString(Tag.AttributeName, "tag")))).Find(Tag.Attributes)!;
        Assert.Equal("[\"one\",\"two\"]", attrs.FindPath(Tag.Attribute, Tag.AttributeValue)!.Text);
        Assert.Equal([id], ByTags("one", "two"));
        _t.Ok(Operation.DeleteAttribute, Req.Payload(Req.Id(id), TtlvElement.Structure(Tag.CurrentAttribute, Req.Tags("one"))));
        Assert.Empty(ByTags("one"));
        Assert.Equal([id], ByTags("two"));
    }
}
