using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Ttlv.Tests;

/// <summary>The tree node's value storage: each type exposes only its own value, leaves have no children, copies do not share lists.</summary>
public sealed class TtlvElementTests
{
    [Fact]
    public void Each_type_exposes_its_own_value_and_defaults_for_the_others()
    {
        var text = TtlvElement.TextString(Tag.NameValue, "n");
        var bytes = TtlvElement.ByteString(Tag.KeyMaterial, [1, 2, 3]);
        var big = TtlvElement.BigIntegerRaw(Tag.Modulus, new byte[8]);
        var number = TtlvElement.Integer(Tag.CryptographicLength, 256);
        Assert.Equal("n", text.Text);
        Assert.Empty(text.Bytes);
        Assert.Equal([1, 2, 3], bytes.Bytes);
        Assert.Equal("", bytes.Text);
        Assert.Equal(8, big.Bytes.Length);
        Assert.Equal(256, number.Int32);
        Assert.Equal("", number.Text);
        Assert.Empty(number.Bytes);
    }

    [Fact]
    public void A_leaf_has_no_children_and_keeps_none()
    {
        var leaf = TtlvElement.TextString(Tag.NameValue, "n");
        Assert.Empty(leaf.Children);
        leaf.Children.Add(TtlvElement.Integer(Tag.CryptographicLength, 1));
        Assert.Empty(leaf.Children);
        Assert.Null(leaf.Find(Tag.CryptographicLength));
        Assert.Empty(leaf.FindAll(Tag.CryptographicLength));
        Assert.Equal(16, leaf.EncodedLength());
    }

    [Fact]
    public void Structures_keep_their_children_and_WithTag_copies_the_list()
    {
        var name = TtlvElement.Structure(Tag.Name, TtlvElement.TextString(Tag.NameValue, "n"));
        var empty = TtlvElement.Structure(Tag.RequestPayload);
        var fromEnumerable = TtlvElement.Structure(Tag.Attributes, (IEnumerable<TtlvElement>)[name]);
        Assert.Single(name.Children);
        Assert.Empty(empty.Children);
        empty.Children.Add(name);
        Assert.Same(name, empty.Find(Tag.Name));
        Assert.Same(name, fromEnumerable.Children[0]);
        var copy = name.WithTag(Tag.AttributeValue);
        copy.Children.Add(TtlvElement.Enumeration(Tag.NameType, 1));
        Assert.Single(name.Children);
        Assert.Equal(2, copy.Children.Count);
        Assert.Equal(Tag.AttributeValue, copy.Tag);
        var leafCopy = TtlvElement.ByteString(Tag.KeyMaterial, [9]).WithTag(Tag.Data);
        Assert.Equal([9], leafCopy.Bytes);
        Assert.Equal(ItemType.ByteString, leafCopy.Type);
        Assert.True(TtlvElement.Decode(name.ToBytes()).DeepEquals(name));
    }
}
