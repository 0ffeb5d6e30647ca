using Kms.Engine.Access;
using Kms.Engine.Model;
using Kms.Engine.Storage;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Tests.Storage;

/// <summary>
/// The record body is the on-disk format: <see cref="ObjectCodec.Serialize"/> writes it directly, and must stay byte for
/// byte the tree it always described (record structure 0x54FF01 with format, id, type, owner, archived, value, indexed
/// attributes, user tags, system tags and grants, in that order).
/// </summary>
public sealed class ObjectCodecTests
{
    private static ManagedObject Sample()
    {
        var obj = new ManagedObject { Id = "0f1e2d3c-é", ObjectType = ObjectType.SymmetricKey, Owner = "alice ☃", Archived = true };
        obj.Value = TtlvElement.Structure(Tag.SymmetricKey, TtlvElement.Structure(Tag.KeyBlock,
            TtlvElement.Enumeration(Tag.KeyFormatType, (uint)KeyFormatType.Raw),
            TtlvElement.Structure(Tag.KeyValue, TtlvElement.ByteString(Tag.KeyMaterial, new byte[32]))));
        obj.AddInstance(TtlvElement.Enumeration(Tag.CryptographicAlgorithm, (uint)CryptographicAlgorithm.AES));
        obj.AddInstance(TtlvElement.Integer(Tag.CryptographicLength, 256));
        obj.AddInstance(TtlvElement.Structure(Tag.Name, TtlvElement.TextString(Tag.NameValue, "k"), TtlvElement.Enumeration(Tag.NameType, 1)));
        obj.AddInstance(TtlvElement.Structure(Tag.Name, TtlvElement.TextString(Tag.NameValue, "k2"), TtlvElement.Enumeration(Tag.NameType, 1)));
        obj.SetSingle(TtlvElement.Enumeration(Tag.State, (uint)State.Active));
        obj.UserTags.Add("blue");
        obj.UserTags.Add("alpha");
        obj.SystemTags.Add("_cert_uid=x");
        obj.Grants["bob"] = Permission.Get | Permission.Encrypt;
        obj.Grants["*"] = Permission.Locate;
        return obj;
    }

    /// <summary>The body as the tree of the original implementation encodes it.</summary>
    private static byte[] Reference(ManagedObject obj)
    {
        var root = TtlvElement.Structure((Tag)0x54FF01,
            TtlvElement.Integer((Tag)0x54FF0A, 1),
            TtlvElement.TextString((Tag)0x54FF02, obj.Id),
            TtlvElement.Enumeration(Tag.ObjectType, (uint)obj.ObjectType),
            TtlvElement.TextString((Tag)0x54FF03, obj.Owner),
            TtlvElement.Boolean((Tag)0x54FF09, obj.Archived));
        if (obj.Value is not null) root.Children.Add(obj.Value);
        foreach (var a in obj.Attributes)
            root.Children.Add(TtlvElement.Structure((Tag)0x54FF04, TtlvElement.Integer(Tag.AttributeIndex, a.Index), a.Value));
        foreach (var t in obj.UserTags) root.Children.Add(TtlvElement.TextString((Tag)0x54FF05, t));
        foreach (var t in obj.SystemTags) root.Children.Add(TtlvElement.TextString((Tag)0x54FF0B, t));
        foreach (var (user, perms) in obj.Grants)
            root.Children.Add(TtlvElement.Structure((Tag)0x54FF06, TtlvElement.TextString((Tag)0x54FF07, user), TtlvElement.Integer((Tag)0x54FF08, (int)perms)));
        return root.ToBytes();
    }

    [Fact]
    public void Serialize_writes_the_reference_tree_byte_for_byte_and_reads_back()
    {
        var obj = Sample();
        byte[] body = ObjectCodec.Serialize(obj);
        Assert.Equal(Reference(obj), body);
        var bare = new ManagedObject { Id = "x", ObjectType = ObjectType.SecretData, Owner = "o" };
        Assert.Equal(Reference(bare), ObjectCodec.Serialize(bare));

        var back = ObjectCodec.Deserialize(new ObjectRecord(obj.Id, 3, body, [], 9));
        Assert.Equal(body, ObjectCodec.Serialize(back));
        Assert.Equal(["alpha", "blue"], back.UserTags);
        Assert.Equal(Permission.Get | Permission.Encrypt, back.Grants["bob"]);
    }

    [Fact]
    public void A_body_larger_than_the_scratch_buffer_is_written_the_same_way()
    {
        var big = Sample();
        big.AddInstance(TtlvElement.TextString(Tag.Description, new string('d', ObjectCodec.ScratchBytes)));
        var bigBody = ObjectCodec.Serialize(big);
        Assert.True(bigBody.Length > ObjectCodec.ScratchBytes);
        Assert.Equal(Reference(big), bigBody);
        // The scratch buffer is whole again after an overflow: a small object next is unaffected.
        var small = Sample();
        Assert.Equal(Reference(small), ObjectCodec.Serialize(small));
        Assert.Equal(Reference(big), ObjectCodec.Serialize(big));
    }

    [Fact]
    public void Index_terms_are_distinct_in_first_occurrence_order_and_shared_between_objects()
    {
        var obj = Sample();
        string[] terms = ObjectCodec.IndexTerms(obj);
        Assert.Equal(terms.Distinct(StringComparer.Ordinal), terms);
        Assert.Equal(["owner=alice ☃", "type=SymmetricKey", "state=Active", "tag=_kk", "tag=alpha", "tag=blue", "tag=_cert_uid=x", "alg=3", "len=256",
            "name=k", "namet=1:k", "name=k2", "namet=1:k2"], terms.Take(13));
        Assert.Contains("perm=bob:Encrypt", terms);
        Assert.DoesNotContain(ObjectCodec.OnlineTerm, terms); // archived
        // The common terms are one string for every object (the in-memory index keeps one copy).
        string[] again = ObjectCodec.IndexTerms(Sample());
        Assert.Same(terms[1], again[1]);
        Assert.Same(terms[7], again[7]);
    }
}
