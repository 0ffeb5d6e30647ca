using System.Buffers;
using static Kms.Ttlv.Tests.Ttlv;

namespace Kms.Ttlv.Tests;

/// <summary>Issue 2 item 5: the writer pads, patches structure lengths, and behaves at the ends of its buffer.</summary>
public class TtlvWriterTests
{
    private static byte[] Write(SampleMessages.WriteMessage write, int size = 4096)
    {
        var buffer = new byte[size];
        var w = new TtlvWriter(buffer);
        write(ref w);
        Assert.False(w.Overflowed);
        Assert.Equal(0, w.Depth);
        return buffer[..w.BytesWritten];
    }

    [Fact]
    public void PadsEveryValueToEightBytesWithZeros()
    {
        var bytes = Write(static (ref TtlvWriter w) =>
        {
            w.WriteText((Tag)Tag1, "abc");
            w.WriteBytes((Tag)Tag1, [1, 2, 3, 4, 5, 6, 7, 8]);
            w.WriteBytes((Tag)Tag1, []);
            w.WriteInt32((Tag)Tag1, -1);
            w.WriteEnum((Tag)Tag1, 0xA);
            w.WriteText((Tag)Tag1, "€");
        });
        Assert.Equal(Concat(
            Item(Tag1, 0x07, 3, Hex("6162630000000000")),
            Item(Tag1, 0x08, 8, Hex("0102030405060708")),
            Item(Tag1, 0x08, 0),
            Item(Tag1, 0x02, 4, Hex("FFFFFFFF00000000")),
            Item(Tag1, 0x05, 4, Hex("0000000A00000000")),
            Item(Tag1, 0x07, 3, Hex("E282AC0000000000"))), bytes);
    }

    [Fact]
    public void PadsOverDirtyBuffers()
    {
        var buffer = new byte[64];
        buffer.AsSpan().Fill(0xEE);
        var w = new TtlvWriter(buffer);
        w.WriteTextUtf8((Tag)Tag1, "a"u8);
        w.WriteInt32((Tag)Tag1, 1);
        Assert.Equal(Concat(Item(Tag1, 0x07, 1, Hex("6100000000000000")), Int(Tag1, 1)), buffer[..w.BytesWritten]);
    }

    [Fact]
    public void PatchesNestedStructureLengths()
    {
        var bytes = Write(static (ref TtlvWriter w) =>
        {
            w.StartStructure((Tag)Tag2);
            w.StartStructure((Tag)Tag2);
            w.WriteInt32((Tag)Tag1, 1);
            w.StartStructure((Tag)Tag2);
            w.EndStructure();
            w.EndStructure();
            w.WriteInt32((Tag)Tag1, 2);
            w.EndStructure();
        });
        Assert.Equal(Struct(Tag2, Struct(Tag2, Int(Tag1, 1), Struct(Tag2)), Int(Tag1, 2)), bytes);
    }

    [Fact]
    public void WritesTheGoldenGetRequestVector()
    {
        var golden = Hex("42007801000000904200770100000038420069010000002042006a0200000004000000010000000042006b0200000004000000010000000042000d0200000004000000010000000042000f010000004842005c05000000040000000a000000004200790100000030420094070000002434396131636138382d366265612d346662322d623435302d37653538383032633330333800000000");
        var bytes = Write(static (ref TtlvWriter w) =>
        {
            w.StartStructure(Tag.RequestMessage);
            w.StartStructure(Tag.RequestHeader);
            w.StartStructure(Tag.ProtocolVersion);
            w.WriteInt32(Tag.ProtocolVersionMajor, 1);
            w.WriteInt32(Tag.ProtocolVersionMinor, 1);
            w.EndStructure();
            w.WriteInt32(Tag.BatchCount, 1);
            w.EndStructure();
            w.StartStructure(Tag.BatchItem);
            w.WriteEnum(Tag.Operation, (uint)Operation.Get);
            w.StartStructure(Tag.RequestPayload);
            w.WriteText(Tag.UniqueIdentifier, "49a1ca88-6bea-4fb2-b450-7e58802c3038");
            w.EndStructure();
            w.EndStructure();
            w.EndStructure();
        });
        Assert.Equal(golden, bytes);
    }

    [Fact]
    public void SpanOverflowSetsOverflowedAndStopsWriting()
    {
        var buffer = new byte[40];
        var w = new TtlvWriter(buffer);
        w.StartStructure(Tag.RequestPayload);
        w.WriteInt32(Tag.BatchCount, 1);
        Assert.False(w.Overflowed);
        Assert.Equal(24, w.BytesWritten);
        w.WriteTextUtf8(Tag.UniqueIdentifier, SampleMessages.Uid);   // needs 8 + 40 bytes
        Assert.True(w.Overflowed);
        w.WriteInt32(Tag.BatchCount, 2);                            // would fit, but output is already broken
        w.EndStructure();
        Assert.True(w.Overflowed);
        Assert.Equal(24, w.BytesWritten);
        Assert.True(buffer.AsSpan(24).IndexOfAnyExcept((byte)0) < 0);
    }

    [Theory]
    [InlineData(152)]
    [InlineData(151)]
    [InlineData(8)]
    [InlineData(0)]
    public void EveryTooSmallSpanOverflowsWithoutThrowing(int size)
    {
        var buffer = new byte[size];
        var w = new TtlvWriter(buffer);
        SampleMessages.WriteGetRequest(ref w);
        Assert.Equal(size < 152, w.Overflowed);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    [InlineData(100)]
    [InlineData(4096)]
    public void BufferWriterWithATinySpanGrowsIntoScratchAndYieldsIdenticalBytes(int span)
    {
        var expected = SampleMessages.GetBatch100();
        var output = new StingyBufferWriter(span);
        var w = new TtlvWriter(output, sizeHint: 1);
        try
        {
            SampleMessages.WriteGetRequest(ref w, 100);
            SampleMessages.WriteGetResponse(ref w);
        }
        finally
        {
            w.Dispose();
        }
        Assert.Equal(Concat(expected, SampleMessages.GetResponse()), output.Written.ToArray());
    }

    [Fact]
    public void BufferWriterCommitsOnlyWholeTopLevelItems()
    {
        var output = new ArrayBufferWriter<byte>();
        var w = new TtlvWriter(output, 64);
        w.StartStructure((Tag)Tag2);
        w.WriteInt32((Tag)Tag1, 1);
        Assert.Equal(0, output.WrittenCount);
        w.EndStructure();
        Assert.Equal(24, output.WrittenCount);
        w.WriteInt32((Tag)Tag1, 2);
        Assert.Equal(40, output.WrittenCount);
        w.Dispose();
        Assert.Equal(Concat(Struct(Tag2, Int(Tag1, 1)), Int(Tag1, 2)), output.WrittenSpan.ToArray());
    }

    [Fact]
    public void AsksTheBufferWriterForOneSpanPerMessageAndNoneAfterTheLast()
    {
        var output = new CountingBufferWriter();
        var w = new TtlvWriter(output, 256);
        Assert.Equal(0, output.GetSpanCalls);
        SampleMessages.WriteGetRequest(ref w);
        SampleMessages.WriteGetResponse(ref w);
        w.Dispose();
        Assert.Equal(2, output.GetSpanCalls);
        Assert.Equal(Concat(SampleMessages.GetRequest(), SampleMessages.GetResponse()), output.Inner.WrittenSpan.ToArray());
    }

    [Fact]
    public void WritesWhatTheReaderAcceptedByteForByte()
    {
        foreach (var message in new[] { SampleMessages.GetRequest(), SampleMessages.GetResponse(), SampleMessages.CreateRequest(), SampleMessages.GetBatch100() })
        {
            var tree = Tree.TtlvElement.Decode(message);
            Assert.Equal(message, tree.ToBytes());
        }
    }

    [Fact]
    public void TreeEncodesAtItsExactLengthIntoArraysAndBufferWriters()
    {
        var multibyte = Tree.TtlvElement.Structure((Tag)Tag1,
            Tree.TtlvElement.TextString((Tag)Tag2, "clé ☃ 𝄞"),
            Tree.TtlvElement.ByteString((Tag)Tag2, [1, 2, 3, 4, 5, 6, 7, 8, 9]),
            Tree.TtlvElement.Structure((Tag)Tag1),
            Tree.TtlvElement.BigIntegerRaw((Tag)Tag2, new byte[16]));
        foreach (var message in new[] { SampleMessages.CreateRequest(), SampleMessages.GetBatch100(), multibyte.ToBytes() })
        {
            var tree = Tree.TtlvElement.Decode(message);
            Assert.Equal(message.Length, tree.EncodedLength());
            var output = new ArrayBufferWriter<byte>(1);
            output.Write(new byte[] { 0xAA });
            tree.WriteTo(output);
            Assert.Equal([0xAA, .. message], output.WrittenSpan.ToArray());
        }
        // A leaf has no children, and asking for its (empty) list does not change it.
        var leaf = Tree.TtlvElement.Integer((Tag)Tag2, 7);
        Assert.Empty(leaf.Children);
        Assert.Equal(16, leaf.EncodedLength());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(8)]
    [InlineData(4096)]
    public void ReservedBytesFilledInPlaceEqualWrittenBytes(int length)
    {
        var value = new byte[length];
        Random.Shared.NextBytes(value);
        var expected = Write((ref TtlvWriter w) =>
        {
            w.StartStructure((Tag)Tag2);
            w.WriteBytes((Tag)Tag1, value);
            w.WriteInt32((Tag)Tag1, 7);
            w.EndStructure();
        }, size: length + 64);
        foreach (int span in new[] { 1, 24, 8192 })
        {
            // A dirty output (padding must be cleared), and spans too small for the message (the pending bytes move to scratch).
            var output = new StingyBufferWriter(span, fill: 0xEE);
            var w = new TtlvWriter(output, sizeHint: 1);
            try
            {
                w.StartStructure((Tag)Tag2);
                var reserved = w.ReserveBytes((Tag)Tag1, length);
                Assert.Equal(length, reserved.Length);
                value.CopyTo(reserved);
                w.WriteInt32((Tag)Tag1, 7);
                w.EndStructure();
            }
            finally { w.Dispose(); }
            Assert.Equal(expected, output.Written.ToArray());
        }
    }

    [Fact]
    public void MisuseThrows()
    {
        Assert.Throws<InvalidOperationException>(() =>
        {
            var w = new TtlvWriter(new byte[64]);
            w.EndStructure();
        });
        Assert.Throws<ArgumentException>(() =>
        {
            var w = new TtlvWriter(new byte[64]);
            w.WriteBigIntegerRaw((Tag)Tag1, [1, 2, 3]);
        });
        Assert.Throws<InvalidOperationException>(() =>
        {
            var w = new TtlvWriter(new byte[64]);
            w.ReserveBytes((Tag)Tag1, 8);
        });
    }

    /// <summary>An <see cref="IBufferWriter{T}"/> that hands out spans of exactly a given size, whatever is asked.</summary>
    private sealed class StingyBufferWriter(int spanSize, byte fill = 0) : IBufferWriter<byte>
    {
        private readonly ArrayBufferWriter<byte> _inner = new();
        private byte[] _current = [];

        public ReadOnlySpan<byte> Written => _inner.WrittenSpan;

        public void Advance(int count)
        {
            if (count > _current.Length) throw new InvalidOperationException("advanced past the span handed out");
            _inner.Write(_current.AsSpan(0, count));
            _current = [];
        }

        public Memory<byte> GetMemory(int sizeHint = 0)
        {
            _current = new byte[Math.Max(spanSize, 1)];
            _current.AsSpan().Fill(fill);
            return _current;
        }

        public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;
    }

    private sealed class CountingBufferWriter : IBufferWriter<byte>
    {
        public ArrayBufferWriter<byte> Inner { get; } = new();
        public int GetSpanCalls { get; private set; }

        public void Advance(int count) => Inner.Advance(count);

        public Memory<byte> GetMemory(int sizeHint = 0)
        {
            GetSpanCalls++;
            return Inner.GetMemory(sizeHint);
        }

        public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;
    }
}
