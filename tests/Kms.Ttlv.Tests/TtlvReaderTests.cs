using static Kms.Ttlv.Tests.Ttlv;

namespace Kms.Ttlv.Tests;

/// <summary>
/// Every validation rule of issue 2 item 4: each bad input is refused with the exact <see cref="TtlvError"/>
/// and the offset of the offending item header, without throwing. Bad items sit inside a structure
/// (offset 8 or later) so that the offset is not trivially 0.
/// </summary>
public class TtlvReaderTests
{
    private static (TtlvError Error, int Offset) Validate(byte[] input, int maxDepth = 32)
    {
        var reader = new TtlvReader(input, maxDepth);
        bool ok = reader.ValidateToEnd();
        Assert.Equal(reader.Error == TtlvError.None, ok);
        return (reader.Error, reader.ErrorOffset);
    }

    private static void AssertRefused(TtlvError error, int offset, byte[] input, int maxDepth = 32)
    {
        Assert.Equal((error, offset), Validate(input, maxDepth));
        // The tree decoder reports the same error and offset.
        Assert.False(Tree.TtlvElement.TryDecode(input, out var tree, out var treeError, out int treeOffset, maxDepth));
        Assert.Null(tree);
        Assert.Equal((error, offset), (treeError, treeOffset));
    }

    /// <summary>Wraps one item in an outer structure, so the item starts at offset 8.</summary>
    private static byte[] Wrapped(byte[] item) => Item(Tag2, 0x01, (uint)item.Length, item);

    [Fact]
    public void AcceptsEveryValidItemType()
    {
        var all = Struct(Tag2,
            Int(Tag1, -5),
            Item(Tag1, 0x03, 8, Hex("FFFFFFFFFFFFFFFF")),
            Item(Tag1, 0x04, 16, new byte[16]),
            Item(Tag1, 0x05, 4, Hex("0000000A00000000")),
            Item(Tag1, 0x06, 8, Hex("0000000000000001")),
            Item(Tag1, 0x07, 3, Hex("E282AC0000000000")),   // "€"
            Item(Tag1, 0x07, 0),
            Item(Tag1, 0x08, 9, Hex("01020304050607080900000000000000")),
            Item(Tag1, 0x09, 8, Hex("0000000047DA67F8")),
            Item(Tag1, 0x0A, 4, Hex("000D2F0000000000")),
            Item(Tag1, 0x0B, 8, Hex("0004486D9A5E8000")),
            Struct(0x540001),
            Int(0x54FFFF, 1),
            Int(0x42FFFF, 1),
            Int(0x420001, 1));
        Assert.Equal((TtlvError.None, -1), Validate(all));
    }

    [Theory]
    [InlineData(0x420000u)]
    [InlineData(0x41FFFFu)]
    [InlineData(0x430000u)]
    [InlineData(0x53FFFFu)]
    [InlineData(0x550000u)]
    [InlineData(0x000000u)]
    [InlineData(0xFFFFFFu)]
    public void RefusesTagOutsideTheKmipRanges(uint tag)
    {
        AssertRefused(TtlvError.InvalidTag, 8, Wrapped(Int(tag, 1)));
        AssertRefused(TtlvError.InvalidTag, 0, Int(tag, 1));
    }

    [Theory]
    [InlineData(0x00)]
    [InlineData(0x0C)]
    [InlineData(0x0D)]
    [InlineData(0x80)]
    [InlineData(0xFF)]
    public void RefusesUnknownItemType(byte type) =>
        AssertRefused(TtlvError.InvalidType, 8, Wrapped(Item(Tag1, type, 4, new byte[8])));

    [Theory]
    [InlineData(0x02, 8)]   // Integer must be 4
    [InlineData(0x02, 0)]
    [InlineData(0x05, 8)]   // Enumeration must be 4
    [InlineData(0x05, 2)]
    [InlineData(0x0A, 3)]   // Interval must be 4
    [InlineData(0x03, 4)]   // Long Integer must be 8
    [InlineData(0x06, 4)]   // Boolean must be 8
    [InlineData(0x09, 16)]  // Date-Time must be 8
    [InlineData(0x0B, 4)]   // Date-Time Extended must be 8
    [InlineData(0x04, 12)]  // Big Integer must be a non-zero multiple of 8
    [InlineData(0x04, 4)]
    [InlineData(0x04, 0)]
    public void RefusesWrongFixedLengths(byte type, uint length) =>
        AssertRefused(TtlvError.InvalidLength, 8, Wrapped(Item(Tag1, type, length, new byte[16])));

    [Fact]
    public void RefusesStructureLengthNotAMultipleOfEight() =>
        AssertRefused(TtlvError.InvalidLength, 8, Wrapped(Item(Tag1, 0x01, 4, new byte[8])));

    [Theory]
    [InlineData("0000000000000002")]
    [InlineData("0000000100000000")]
    [InlineData("FFFFFFFFFFFFFFFF")]
    [InlineData("0100000000000000")]
    public void RefusesBooleanOtherThanZeroOrOne(string value) =>
        AssertRefused(TtlvError.InvalidBoolean, 8, Wrapped(Item(Tag1, 0x06, 8, Hex(value))));

    [Theory]
    [InlineData("C328")]        // bad continuation
    [InlineData("C080")]        // overlong NUL
    [InlineData("EDA080")]      // UTF-16 surrogate
    [InlineData("F4908080")]    // above U+10FFFF
    [InlineData("FF")]
    [InlineData("E282")]        // cut inside a sequence
    public void RefusesInvalidUtf8(string text)
    {
        var value = Hex(text);
        var body = new byte[(value.Length + 7) & ~7];
        value.CopyTo(body, 0);
        AssertRefused(TtlvError.InvalidUtf8, 8, Wrapped(Item(Tag1, 0x07, (uint)value.Length, body)));
    }

    [Theory]
    [InlineData(0x02, 4, "0000000100000001")]            // Integer padding
    [InlineData(0x05, 4, "0000000180000000")]            // Enumeration padding
    [InlineData(0x07, 1, "4100000000000100")]            // Text String padding
    [InlineData(0x08, 3, "010203FF00000000")]            // Byte String padding
    public void RefusesNonZeroPadding(byte type, uint length, string body) =>
        AssertRefused(TtlvError.InvalidPadding, 8, Wrapped(Item(Tag1, type, length, Hex(body))));

    [Fact]
    public void RefusesANonZeroByteAtEveryPaddingPositionAndAcceptsAnyValueByte()
    {
        for (int length = 0; length <= 17; length++)
        {
            int padded = (length + 7) & ~7;
            for (int i = 0; i < padded; i++)
            {
                var body = new byte[padded];
                body[i] = 0x80;   // also not valid UTF-8 alone: use a Byte String
                var input = Wrapped(Item(Tag1, 0x08, (uint)length, body));
                Assert.Equal(i < length ? (TtlvError.None, -1) : (TtlvError.InvalidPadding, 8), Validate(input));
            }
        }
    }

    [Fact]
    public void RefusesAChildRunningPastItsStructure()
    {
        // The inner structure declares 8 bytes but its only child needs 16.
        var inner = Item(Tag1, 0x01, 8, Int(Tag1, 1));
        AssertRefused(TtlvError.LengthOverflow, 16, Wrapped(inner));
    }

    [Fact]
    public void RefusesAStructureLongerThanItsChildren()
    {
        // The inner structure declares 24 bytes around one 16-byte child: its remaining 8 bytes are
        // the header of the outer structure's next child, whose value then runs past the inner end.
        var inner = Item(Tag1, 0x01, 24, Int(Tag1, 1));
        var outer = Struct(Tag2, inner, Int(Tag1, 2));
        AssertRefused(TtlvError.LengthOverflow, 32, outer);
    }

    [Fact]
    public void RefusesAStructureWhoseDeclaredLengthExceedsTheInput()
    {
        var outer = Struct(Tag2, Int(Tag1, 1));
        outer[7] = 24;   // declares 24, holds 16
        AssertRefused(TtlvError.Truncated, 0, outer);
    }

    [Fact]
    public void RefusesAValueRunningPastItsStructure()
    {
        // A Text String declaring 20 bytes (24 padded) inside a structure that holds 16 bytes of value.
        var text = Item(Tag1, 0x07, 20, Hex("4142434445464748"));
        AssertRefused(TtlvError.LengthOverflow, 8, Wrapped(text));
    }

    [Fact]
    public void EnforcesTheDepthLimit()
    {
        byte[] nested = Int(Tag1, 7);
        for (int i = 0; i < 3; i++) nested = Struct(Tag2, nested);   // depth 3
        Assert.Equal((TtlvError.None, -1), Validate(nested, maxDepth: 3));
        AssertRefused(TtlvError.DepthExceeded, 16, nested, maxDepth: 2);
        AssertRefused(TtlvError.DepthExceeded, 8, nested, maxDepth: 1);
        AssertRefused(TtlvError.DepthExceeded, 8, nested, maxDepth: 0);   // clamped to 1
    }

    [Fact]
    public void DefaultDepthLimitIs32()
    {
        byte[] nested = [];
        for (int i = 0; i < 32; i++) nested = Struct(Tag2, nested);
        Assert.Equal((TtlvError.None, -1), Validate(nested));
        // The 33rd structure header sits at offset 8 × 32.
        AssertRefused(TtlvError.DepthExceeded, 8 * 32, Struct(Tag2, nested));
    }

    [Fact]
    public void RefusesTrailingData()
    {
        var item = Struct(Tag2, Int(Tag1, 1));
        AssertRefused(TtlvError.TrailingData, 24, Concat(item, Int(Tag1, 2)));
        AssertRefused(TtlvError.TrailingData, 24, Concat(item, [0]));
    }

    [Fact]
    public void RefusesTruncatedInput()
    {
        var message = SampleMessages.GetRequest();
        AssertRefused(TtlvError.Truncated, 0, []);
        AssertRefused(TtlvError.Truncated, 0, message[..7]);
        // The top-level structure declares more than is there.
        AssertRefused(TtlvError.Truncated, 0, message[..^8]);
        // A primitive alone, cut inside its value.
        AssertRefused(TtlvError.Truncated, 0, Int(Tag1, 1)[..12]);
    }

    [Fact]
    public void EveryTruncationOfAValidMessageIsRefusedCleanly()
    {
        var message = SampleMessages.GetResponse();
        for (int cut = 0; cut < message.Length; cut++)
        {
            var (error, offset) = Validate(message[..cut]);
            Assert.NotEqual(TtlvError.None, error);
            Assert.InRange(offset, 0, cut);
        }
    }

    [Fact]
    public void ReadPastAnErrorKeepsReturningFalse()
    {
        var reader = new TtlvReader(Wrapped(Int(0x430000, 1)));
        Assert.True(reader.Read());
        Assert.False(reader.Read());
        Assert.False(reader.Read());
        Assert.Equal(TtlvError.InvalidTag, reader.Error);
        Assert.Equal(TtlvToken.None, reader.Token);
    }

    [Fact]
    public void ReportsTokensTagsAndValuesInOrder()
    {
        var reader = new TtlvReader(SampleMessages.GetRequest());
        Assert.True(reader.Read());
        Assert.Equal((TtlvToken.StartStructure, Tag.RequestMessage, 1), (reader.Token, reader.Tag, reader.Depth));
        int values = 0, ends = 0;
        bool uid = false;
        while (reader.Read())
        {
            if (reader.Token == TtlvToken.Value) values++;
            if (reader.Token == TtlvToken.EndStructure) ends++;
            if (reader.Tag == Tag.UniqueIdentifier) uid = reader.ValueTextEquals(SampleMessages.Uid);
            if (reader.Tag == Tag.Operation) Assert.Equal((uint)Operation.Get, reader.GetUInt32());
        }
        Assert.True(reader.IsComplete);
        Assert.True(uid);
        Assert.Equal(5, values);
        Assert.Equal(5, ends);
    }

    [Fact]
    public void SkipChildrenJumpsToTheEndOfTheStructure()
    {
        var reader = new TtlvReader(SampleMessages.GetRequest());
        Assert.True(reader.Read());
        Assert.True(reader.Read());
        Assert.Equal(Tag.RequestHeader, reader.Tag);
        reader.SkipChildren();
        Assert.True(reader.Read());
        Assert.Equal(TtlvToken.EndStructure, reader.Token);
        Assert.True(reader.Read());
        Assert.Equal(Tag.BatchItem, reader.Tag);
    }
}
