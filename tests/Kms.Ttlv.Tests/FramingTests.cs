using System.Buffers;
using FsCheck;
using FsCheck.Fluent;
using Kms.Ttlv.Framing;
using Kms.Ttlv.Tree;
using static Kms.Ttlv.Tests.Ttlv;

namespace Kms.Ttlv.Tests;

/// <summary>Issue 2 item 6: framing over <see cref="ReadOnlySequence{T}"/>, split anywhere, several messages back to back.</summary>
public class FramingTests
{
    private static readonly TtlvLimits s_limits = TtlvLimits.Default;

    /// <summary>Frames everything it can; returns the messages and what is left.</summary>
    private static (List<byte[]> Messages, FramingError Error, long Left) FrameAll(ReadOnlySequence<byte> buffer, TtlvLimits? limits = null)
    {
        var messages = new List<byte[]>();
        FramingError error;
        while (TtlvFramer.TryReadMessage(ref buffer, limits ?? s_limits, out var message, out error))
        {
            Assert.Equal(FramingError.None, error);
            messages.Add(message.ToArray());
        }
        return (messages, error, buffer.Length);
    }

    private static void AssertSame(byte[][] sent, List<byte[]> framed)
    {
        Assert.Equal(sent.Length, framed.Count);
        for (int i = 0; i < sent.Length; i++) Assert.True(sent[i].AsSpan().SequenceEqual(framed[i]), $"message {i} differs");
    }

    [Fact]
    public void AMessageSplitAtEveryOffsetFramesIdentically()
    {
        var message = SampleMessages.GetResponse();
        for (int cut = 0; cut <= message.Length; cut++)
        {
            var (messages, error, left) = FrameAll(Segments.Split(message, cut));
            Assert.Equal(FramingError.None, error);
            Assert.Equal(0, left);
            Assert.Equal(message, Assert.Single(messages));
        }
    }

    [Fact]
    public void AnIncompleteMessageWaitsAtEveryOffsetWithoutError()
    {
        var message = SampleMessages.GetRequest();
        for (int length = 0; length < message.Length; length++)
        {
            var buffer = new ReadOnlySequence<byte>(message, 0, length);
            Assert.False(TtlvFramer.TryReadMessage(ref buffer, s_limits, out _, out var error));
            Assert.Equal(FramingError.None, error);
            Assert.Equal(length, buffer.Length);   // nothing consumed
        }
    }

    [Fact]
    public void SeveralMessagesBackToBackSplitAtEveryOffset()
    {
        byte[][] sent = [SampleMessages.GetRequest(), SampleMessages.GetResponse(), SampleMessages.CreateRequest(), SampleMessages.GetRequest()];
        var stream = Concat(sent);
        for (int cut = 0; cut <= stream.Length; cut++)
        {
            var (messages, error, left) = FrameAll(Segments.Split(stream, cut));
            Assert.Equal(FramingError.None, error);
            Assert.Equal(0, left);
            AssertSame(sent, messages);
        }
    }

    [Fact]
    public void OneByteSegmentsFrameIdentically()
    {
        byte[][] sent = [SampleMessages.GetBatch100(), SampleMessages.GetResponse()];
        var stream = Concat(sent);
        var (messages, error, left) = FrameAll(Segments.Split(stream, Enumerable.Range(1, stream.Length - 1).ToArray()));
        Assert.Equal((FramingError.None, 0L), (error, left));
        AssertSame(sent, messages);
    }

    [Fact]
    public void APartialSecondMessageIsLeftInTheBuffer()
    {
        var first = SampleMessages.GetRequest();
        var second = SampleMessages.GetResponse();
        var (messages, error, left) = FrameAll(Segments.Split(Concat(first, second[..20]), 100));
        Assert.Equal(first, Assert.Single(messages));
        Assert.Equal((FramingError.None, 20L), (error, left));
    }

    [Fact]
    public void RefusesAnInvalidTag()
    {
        var message = SampleMessages.GetRequest();
        message[0] = 0x43;
        Assert.Equal(FramingError.InvalidTag, FrameAll(new ReadOnlySequence<byte>(message)).Error);
    }

    [Fact]
    public void RefusesATopLevelItemThatIsNotAStructure()
    {
        Assert.Equal(FramingError.NotAStructure, FrameAll(new ReadOnlySequence<byte>(Int(Tag1, 1))).Error);
    }

    [Fact]
    public void RefusesALengthNotAMultipleOfEight()
    {
        Assert.Equal(FramingError.InvalidLength, FrameAll(new ReadOnlySequence<byte>(Item(Tag1, 0x01, 12, new byte[16]))).Error);
    }

    [Fact]
    public void RefusesAnOversizedMessageFromItsHeaderAlone()
    {
        var limits = new TtlvLimits { MaxMessageSize = 1024 };
        // Only the 8-byte header has arrived, split across two segments: the body is never waited for.
        var header = Item(0x420078, 0x01, 1024 - 8 + 8);
        var buffer = Segments.Split(header, 3);
        Assert.False(TtlvFramer.TryReadMessage(ref buffer, limits, out _, out var error));
        Assert.Equal(FramingError.MessageTooLarge, error);

        var huge = Segments.Split(Item(0x420078, 0x01, 0xFFFFFFF8), 5);
        Assert.False(TtlvFramer.TryReadMessage(ref huge, limits, out _, out error));
        Assert.Equal(FramingError.MessageTooLarge, error);

        // Exactly at the limit is allowed (and then waits for the body).
        var atLimit = new ReadOnlySequence<byte>(Item(0x420078, 0x01, 1024 - 8));
        Assert.False(TtlvFramer.TryReadMessage(ref atLimit, limits, out _, out error));
        Assert.Equal(FramingError.None, error);
    }

    [Fact]
    public void ALimitBelowTheHeaderSizeRefusesEverythingInsteadOfWrapping()
    {
        var buffer = new ReadOnlySequence<byte>(SampleMessages.GetRequest());
        Assert.False(TtlvFramer.TryReadMessage(ref buffer, new TtlvLimits { MaxMessageSize = 0 }, out _, out var error));
        Assert.Equal(FramingError.MessageTooLarge, error);
    }

    [Fact]
    public void CheckHeaderReportsTheWholeSize()
    {
        Assert.Equal(FramingError.None, TtlvFramer.CheckHeader(SampleMessages.GetRequest(), s_limits, out int total));
        Assert.Equal(152, total);
    }

    // ---- properties ----

    [Fact]
    public void TheGeneratorCoversEveryItemTypeAndNesting()
    {
        var seen = new HashSet<ItemType>();
        int maxDepth = 0;
        foreach (var bytes in RandomMessages.MessageBytes.Sample(50, 200))
        {
            var reader = new TtlvReader(bytes);
            while (reader.Read())
            {
                seen.Add(reader.Type);
                maxDepth = Math.Max(maxDepth, reader.Depth);
            }
            Assert.True(reader.IsComplete);
        }
        Assert.Equal(11, seen.Count);
        Assert.True(maxDepth >= 3, $"max depth {maxDepth}");
    }

    private sealed record Stream(byte[][] Messages, int[] Cuts)
    {
        public override string ToString() => $"{Messages.Length} messages ({string.Join(",", Messages.Select(m => m.Length))} bytes), cuts at [{string.Join(",", Cuts)}]";
    }

    private static Gen<Stream> StreamGen =>
        RandomMessages.MessageBytes.ArrayOf().Where(a => a.Length > 0).Select(a => a.Take(8).ToArray()).SelectMany(messages =>
        {
            int total = messages.Sum(m => m.Length);
            return Gen.Choose(0, total).ArrayOf().Select(cuts => new Stream(messages, cuts.Distinct().Order().ToArray()));
        });

    [FsCheck.Xunit.Property(MaxTest = 200)]
    public Property RandomStreamsSplitAtRandomPointsFrameIntoTheSameMessages() => Prop.ForAll(StreamGen.ToArbitrary(), s =>
    {
        var stream = Concat(s.Messages);
        var (messages, error, left) = FrameAll(Segments.Split(stream, s.Cuts));
        return error == FramingError.None && left == 0 && messages.Count == s.Messages.Length
            && messages.Zip(s.Messages).All(p => p.First.AsSpan().SequenceEqual(p.Second));
    });

    [FsCheck.Xunit.Property(MaxTest = 200)]
    public Property RandomStreamsArrivingInPiecesFrameIntoTheSameMessages() => Prop.ForAll(StreamGen.ToArbitrary(), s =>
    {
        // As from a pipe: after each arrival, frame what is complete, keep the rest (consumed/examined).
        var stream = Concat(s.Messages);
        var framed = new List<byte[]>();
        long consumed = 0;
        foreach (int arrived in s.Cuts.Append(stream.Length))
        {
            var all = Segments.Split(stream, s.Cuts);
            var buffer = all.Slice(consumed, arrived - consumed);
            while (TtlvFramer.TryReadMessage(ref buffer, s_limits, out var message, out var error))
                framed.Add(message.ToArray());
            consumed = arrived - buffer.Length;
        }
        return consumed == stream.Length && framed.Count == s.Messages.Length
            && framed.Zip(s.Messages).All(p => p.First.AsSpan().SequenceEqual(p.Second));
    });

    private sealed record Mutation(byte[] Original, string Kind, int Position, byte Value)
    {
        public byte[] Apply()
        {
            var bytes = (byte[])Original.Clone();
            int at = Position % Math.Max(1, bytes.Length);
            switch (Kind)
            {
                case "truncate": return bytes[..at];
                case "set": bytes[at] = Value; return bytes;
                case "flip": bytes[at] ^= (byte)(1 << (Value & 7)); return bytes;
                case "delete": return [.. bytes[..at], .. bytes[Math.Min(bytes.Length, at + 1 + Value % 16)..]];
                default: return [.. bytes[..at], Value, .. bytes[at..]];   // insert
            }
        }

        public override string ToString() => $"{Kind} at {Position} value {Value} of {Convert.ToHexString(Original)}";
    }

    private static Gen<Mutation> MutationGen =>
        from original in RandomMessages.MessageBytes
        from kind in Gen.Elements("truncate", "set", "flip", "delete", "insert")
        from position in Gen.Choose(0, original.Length)
        from value in Gen.Choose(0, 255)
        select new Mutation(original, kind, position, (byte)value);

    [FsCheck.Xunit.Property(MaxTest = 1000)]
    public Property AnyTruncationOrMutationGivesSuccessOrACleanError() => Prop.ForAll(MutationGen.ToArbitrary(), m =>
    {
        var input = m.Apply();
        // Any exception here (including an out-of-range read on the span) fails the property.
        bool decoded = TtlvElement.TryDecode(input, out var tree, out var error, out int offset);
        bool clean = decoded
            ? error == TtlvError.None && tree is not null && tree.ToBytes().AsSpan().SequenceEqual(input)
            : error != TtlvError.None && tree is null && offset >= 0 && offset <= input.Length;

        var reader = new TtlvReader(input);
        int tokens = 0;
        while (reader.Read())
        {
            if (reader.Token == TtlvToken.Value) _ = reader.ValueSpan.Length + (reader.Type == ItemType.Integer ? reader.GetInt32() : 0);
            if (++tokens > input.Length) return false;   // a hang would loop forever: every token consumes ≥ 8 bytes or closes a structure
        }
        bool readerAgrees = reader.IsComplete == decoded && (decoded || (reader.Error, reader.ErrorOffset) == (error, offset));

        var buffer = new ReadOnlySequence<byte>(input);
        while (TtlvFramer.TryReadMessage(ref buffer, s_limits, out var message, out _)) _ = message.Length;
        return clean && readerAgrees;
    });
}
