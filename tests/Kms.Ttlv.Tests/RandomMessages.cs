using FsCheck;
using FsCheck.Fluent;
using Kms.Ttlv.Tree;

namespace Kms.Ttlv.Tests;

/// <summary>FsCheck generators of random valid TTLV trees and messages (every item type, nested structures).</summary>
internal static class RandomMessages
{
    private static readonly Tag[] s_tags =
    [
        Tag.UniqueIdentifier, Tag.Operation, Tag.BatchCount, Tag.KeyMaterial, Tag.Name, Tag.NameValue,
        Tag.CryptographicLength, Tag.ActivationDate, Tag.Attributes, Tag.BatchItem, (Tag)0x540001, (Tag)0x54FFFF,
    ];

    private static Gen<Tag> TagGen => Gen.Elements(s_tags);

    private static Gen<byte[]> BytesGen(int max) => Gen.Choose(0, max).SelectMany(n => Gen.Choose(0, 255).ArrayOf(n)).Select(a => a.Select(i => (byte)i).ToArray());

    private static Gen<long> LongGen => Gen.Two(Gen.Choose(int.MinValue, int.MaxValue)).Select(t => ((long)t.Item1 << 32) | (uint)t.Item2);

    private static Gen<TtlvElement> PrimitiveGen => TagGen.SelectMany(tag => Gen.OneOf(
        Gen.Choose(int.MinValue, int.MaxValue).Select(v => TtlvElement.Integer(tag, v)),
        LongGen.Select(v => TtlvElement.LongInteger(tag, v)),
        Gen.Choose(1, 3).SelectMany(words => Gen.Choose(0, 255).ArrayOf(words * 8))
            .Select(a => TtlvElement.BigIntegerRaw(tag, a.Select(i => (byte)i).ToArray())),
        Gen.Choose(0, int.MaxValue).Select(v => TtlvElement.Enumeration(tag, (uint)v)),
        Gen.Elements(true, false).Select(v => TtlvElement.Boolean(tag, v)),
        Gen.Elements("", "a", "Hello World", "49a1ca88-6bea-4fb2-b450-7e58802c3038", "clé €", "𝄞 music", "12345678")
            .Select(v => TtlvElement.TextString(tag, v)),
        BytesGen(40).Select(v => TtlvElement.ByteString(tag, v)),
        LongGen.Select(v => TtlvElement.DateTime(tag, v)),
        Gen.Choose(0, int.MaxValue).Select(v => TtlvElement.Interval(tag, (uint)v)),
        LongGen.Select(v => TtlvElement.DateTimeExtended(tag, v))));

    private static Gen<TtlvElement> ElementGen(int size) => size <= 1
        ? PrimitiveGen
        : Gen.Frequency(
            (3, PrimitiveGen),
            (1, Gen.Zip(TagGen, Gen.Choose(0, 4).SelectMany(n => ElementGen(size / 2).ListOf(n)))
                .Select(t => TtlvElement.Structure(t.Item1, t.Item2))));

    /// <summary>A random valid message: a top-level Structure (what the framer accepts).</summary>
    public static Gen<TtlvElement> Message => Gen.Sized(size => Gen.Choose(0, 5).SelectMany(n => ElementGen(Math.Min(size, 16)).ListOf(n)))
        .Select(children => TtlvElement.Structure(Tag.RequestMessage, children));

    public static Gen<byte[]> MessageBytes => Message.Select(m => m.ToBytes());
}
