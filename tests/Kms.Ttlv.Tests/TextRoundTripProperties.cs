using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Kms.Ttlv.Json;
using Kms.Ttlv.Tree;
using Kms.Ttlv.Xml;

namespace Kms.Ttlv.Tests;

/// <summary>Random TTLV trees round-trip binary ↔ JSON ↔ XML with no loss.</summary>
public class TextRoundTripProperties
{
    private const int MaxDepth = 5;

    private static readonly ItemType[] s_valueTypes =
    [
        ItemType.Integer, ItemType.LongInteger, ItemType.BigInteger, ItemType.Enumeration, ItemType.Boolean,
        ItemType.TextString, ItemType.ByteString, ItemType.DateTime, ItemType.Interval, ItemType.DateTimeExtended,
    ];

    /// <summary>Attribute names for 1.x Attribute structures: names with an enumeration or a mask, and custom ones.</summary>
    private static readonly string[] s_attributeNames =
    [
        "Cryptographic Algorithm", "Object Type", "State", "Cryptographic Usage Mask", "Storage Status Mask",
        "Name", "x-custom", "y-Enum", "Link Type", "Key Format Type",
    ];

    /// <summary>Text fragments: markup characters, whitespace at the ends, escapes, non-ASCII and a surrogate pair.</summary>
    private static readonly string[] s_textPieces =
    [
        "a", "Z", "0", " ", "  ", "\t", "\n", "\r\n", "<", ">", "&", "\"", "'", "|", "\\", "$NOW", "0x1F",
        "é", "日本", "😀", "\u00A0", "key-", "Encrypt",
    ];

    private static readonly Gen<int> s_anyInt = Gen.Choose(int.MinValue, int.MaxValue);

    private static readonly Gen<long> s_anyLong = Gen.Frequency(
        (3, Gen.Zip(s_anyInt, s_anyInt, (hi, lo) => ((long)hi << 32) | (uint)lo)),
        (1, Gen.Elements(0L, 1L, -1L, (1L << 52) - 1, 1L << 52, -(1L << 52), -(1L << 52) + 1, long.MinValue, long.MaxValue)),
        (2, Gen.Choose(-100_000, 100_000).Select(i => (long)i)));

    private static Gen<Tag> TagFor(ItemType type)
    {
        var known = KmipNames.Tags.Where(t => t.Allows(type)).Select(t => t.Tag).ToArray();
        var extension = Gen.Choose(0x540000, 0x54FFFF).Select(v => (Tag)(uint)v);
        return known.Length == 0 ? extension : Gen.Frequency((4, Gen.Elements(known)), (1, extension));
    }

    private static Gen<byte[]> Bytes(int maxLength) =>
        Gen.Choose(0, maxLength).SelectMany(n => Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), n));

    private static Gen<uint> EnumerationValue(Tag tag)
    {
        var any = s_anyInt.Select(i => (uint)i);
        if (tag == Tag.AttributeReference)
            return Gen.Frequency((3, Gen.Elements(KmipNames.Tags.Select(t => (uint)t.Tag).ToArray())), (1, any));
        var info = KmipNames.EnumerationFor(tag);
        if (info is null || info.IsMask) return any;
        return Gen.Frequency((3, Gen.Elements(info.Values.Select(v => v.Value).ToArray())), (1, any));
    }

    private static Gen<int> IntegerValue(Tag tag)
    {
        var info = KmipNames.EnumerationFor(tag);
        if (info is null || !info.IsMask) return Gen.Frequency((3, Gen.Choose(-1000, 1000)), (1, s_anyInt));
        // Masks: named bits, plus now and then bits without a name.
        return Gen.Frequency((3, Gen.SubListOf(info.Values.Select(v => v.Value).ToArray()).Select(bits => (int)bits.Aggregate(0u, (a, b) => a | b))), (1, s_anyInt));
    }

    private static Gen<TtlvElement> Value(Tag tag, ItemType type) => type switch
    {
        ItemType.Integer => IntegerValue(tag).Select(v => TtlvElement.Integer(tag, v)),
        ItemType.LongInteger => s_anyLong.Select(v => TtlvElement.LongInteger(tag, v)),
        ItemType.BigInteger => Gen.Choose(1, 4).SelectMany(n => Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), 8 * n)).Select(b => TtlvElement.BigIntegerRaw(tag, b)),
        ItemType.Enumeration => EnumerationValue(tag).Select(v => TtlvElement.Enumeration(tag, v)),
        ItemType.Boolean => Gen.Elements(true, false).Select(v => TtlvElement.Boolean(tag, v)),
        ItemType.TextString => Gen.Choose(0, 6).SelectMany(n => Gen.ArrayOf(Gen.Elements(s_textPieces), n)).Select(p => TtlvElement.TextString(tag, string.Concat(p))),
        ItemType.ByteString => Bytes(40).Select(b => TtlvElement.ByteString(tag, b)),
        ItemType.DateTime => Gen.Frequency(
                (3, Gen.Choose(0, int.MaxValue).Select(s => (long)s)),
                (1, s_anyLong)).Select(v => TtlvElement.DateTime(tag, v)),
        ItemType.Interval => s_anyInt.Select(v => TtlvElement.Interval(tag, (uint)v)),
        ItemType.DateTimeExtended => s_anyLong.Select(v => TtlvElement.DateTimeExtended(tag, v)),
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    private static Gen<TtlvElement> ValueItem() =>
        from type in Gen.Elements(s_valueTypes)
        from tag in TagFor(type)
        from element in Value(tag, type)
        select element;

    /// <summary>A 1.x Attribute whose Attribute Value is named after its sibling Attribute Name.</summary>
    private static Gen<TtlvElement> Attribute() =>
        from name in Gen.Elements(s_attributeNames)
        let named = KmipNames.TryGetTagBySpecName(name, out var t) ? t : Tag.None
        let info = named == Tag.None ? null : KmipNames.EnumerationFor(named)
        from value in info is { IsMask: true }
            ? IntegerValue(named).Select(v => TtlvElement.Integer(Tag.AttributeValue, v))
            : Gen.OneOf(
                (info is null ? s_anyInt.Select(i => (uint)i) : EnumerationValue(named)).Select(v => TtlvElement.Enumeration(Tag.AttributeValue, v)),
                Gen.Elements(s_textPieces).Select(s => TtlvElement.TextString(Tag.AttributeValue, s)))
        select TtlvElement.Structure(Tag.Attribute, TtlvElement.TextString(Tag.AttributeName, name), value);

    private static Gen<TtlvElement> Element(int depth) => depth >= MaxDepth
        ? ValueItem()
        : Gen.Frequency((4, ValueItem()), (2, Structure(depth)), (1, Attribute()));

    private static Gen<TtlvElement> Structure(int depth) =>
        from tag in TagFor(ItemType.Structure)
        from count in Gen.Choose(0, 4)
        from children in Gen.ArrayOf(Element(depth + 1), count)
        select TtlvElement.Structure(tag, children);

    private static Arbitrary<TtlvElement> Trees() => Gen.Frequency((3, Structure(1)), (1, ValueItem())).ToArbitrary();

    [Property(MaxTest = 400)]
    public Property BinaryJsonXmlRoundTrip() => Prop.ForAll(Trees(), tree =>
    {
        var bytes = tree.ToBytes();
        var decoded = TtlvElement.Decode(bytes);
        Assert.True(tree.DeepEquals(decoded), "binary");

        var json = KmipJson.Serialize(decoded);
        Assert.True(KmipJson.TryParse(json, out var fromJson, out var jsonError), $"{jsonError}\n{json}");
        Assert.True(tree.DeepEquals(fromJson), $"JSON differs\n{json}");

        var xml = KmipXml.Serialize(fromJson);
        Assert.True(KmipXml.TryParse(xml, out var fromXml, out var xmlError), $"{xmlError}\n{xml}");
        Assert.True(tree.DeepEquals(fromXml), $"XML differs\n{xml}");

        Assert.Equal(bytes, fromXml.ToBytes());
    });

    /// <summary>Bytes that matter to the JSON and XML grammars and to our value syntax.</summary>
    private static readonly byte[] s_interesting = "{}[]<>\"'=:,/|&;#$x0129AFaz -\\\n\u0001"u8.ToArray().Concat(new byte[] { 0x80, 0xC3, 0xFF }).ToArray();

    private static Gen<byte[]> Mutated(Func<TtlvElement, string> encode) =>
        from tree in Trees().Generator
        let text = System.Text.Encoding.UTF8.GetBytes(encode(tree))
        from edits in Gen.Choose(1, 4)
        from positions in Gen.ArrayOf(Gen.Choose(0, text.Length - 1), edits)
        from replacements in Gen.ArrayOf(Gen.Elements(s_interesting), edits)
        from truncate in Gen.Frequency((3, Gen.Constant(text.Length)), (1, Gen.Choose(0, text.Length)))
        select Mutate(text, positions, replacements, truncate);

    private static byte[] Mutate(byte[] text, int[] positions, byte[] replacements, int length)
    {
        var copy = text.ToArray();
        for (int i = 0; i < positions.Length; i++) copy[positions[i]] = replacements[i];
        return copy[..length];
    }

    [Property(MaxTest = 400)]
    public Property MutatedJsonGivesOnlyCleanErrors() => Prop.ForAll(Mutated(KmipJson.Serialize).ToArbitrary(), input =>
    {
        bool ok = KmipJson.TryParse(input, out var element, out var error);
        Assert.True(ok ? element is not null && error is null : element is null && error is { Length: > 0 });
        if (!ok) Assert.Throws<FormatException>(() => KmipJson.Parse(input));
    });

    [Property(MaxTest = 400)]
    public Property MutatedXmlGivesOnlyCleanErrors() => Prop.ForAll(Mutated(t => KmipXml.Serialize(t)).ToArbitrary(), input =>
    {
        bool ok = KmipXml.TryParse(input, out var element, out var error);
        Assert.True(ok ? element is not null && error is null : element is null && error is { Length: > 0 });
        if (!ok) Assert.Throws<FormatException>(() => KmipXml.Parse(input));
    });
}
