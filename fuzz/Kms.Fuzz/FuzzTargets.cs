using System.Buffers;
using Kms.Ttlv;
using Kms.Ttlv.Framing;
using Kms.Ttlv.Json;
using Kms.Ttlv.Tree;
using Kms.Ttlv.Xml;

namespace Kms.Fuzz;

/// <summary>The bodies of the fuzz targets. They must never throw on any input.</summary>
public static class FuzzTargets
{
    /// <summary>
    /// The fuzz targets by name; the name is also the folder of the seed corpus (fuzz/corpus/NAME) and of the
    /// regression inputs (tests/Kms.Ttlv.Tests/fuzz-regressions/NAME). A new decoder is one more line here.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, Action<byte[]>> All = new Dictionary<string, Action<byte[]>>
    {
        ["binary"] = Binary,
        ["framer"] = Framer,
        ["json"] = Json,
        ["xml"] = Xml,
    };

    /// <summary>The tree decoder, re-encoding of what it accepts, and a raw reader walk that reads every value.</summary>
    public static void Binary(byte[] input)
    {
        if (TtlvElement.TryDecode(input, out var tree, out var error, out int offset))
        {
            // Whatever the reader accepts, the writer re-encodes byte for byte (issue 2, item 5).
            var again = tree.ToBytes();
            if (!again.AsSpan().SequenceEqual(input)) throw new InvalidOperationException("accepted input does not re-encode identically");
        }
        else if (error == TtlvError.None || offset < 0 || offset > input.Length)
        {
            throw new InvalidOperationException($"refused without a proper error: {error} at {offset}");
        }
        Walk(input);
    }

    /// <summary>The framer over the input cut into segments, then a decode of each framed message.</summary>
    public static void Framer(byte[] input)
    {
        if (input.Length == 0) return;
        // The first byte chooses the segment size, so the fuzzer explores splits as well as contents.
        int segment = 1 + input[0] % 16;
        var data = input.AsMemory(1);
        var sequence = Segments.Split(data, segment);
        var limits = new TtlvLimits { MaxMessageSize = 4096 };
        long consumed = 0;
        while (TtlvFramer.TryReadMessage(ref sequence, limits, out var message, out var framingError))
        {
            if (framingError != FramingError.None) throw new InvalidOperationException("success with an error");
            if (message.Length < TtlvFramer.HeaderSize || message.Length > limits.MaxMessageSize) throw new InvalidOperationException("message size out of bounds");
            consumed += message.Length;
            var bytes = message.ToArray();
            if (!bytes.AsSpan().SequenceEqual(data.Span.Slice((int)(consumed - bytes.Length), bytes.Length))) throw new InvalidOperationException("framed bytes differ from the input");
            Binary(bytes);
        }
        if (consumed + sequence.Length != data.Length) throw new InvalidOperationException("framer lost bytes");
    }

    /// <summary>
    /// The KMIP JSON decoder: whatever it accepts must survive binary TTLV and its own re-serialisation unchanged.
    /// </summary>
    public static void Json(byte[] input)
    {
        if (!KmipJson.TryParse(input, out var tree, out var error))
        {
            if (string.IsNullOrEmpty(error)) throw new InvalidOperationException("refused without an error message");
            return;
        }
        CheckBinaryRoundTrip(tree);
        if (!KmipJson.Parse(KmipJson.Serialize(tree)).DeepEquals(tree)) throw new InvalidOperationException("JSON re-serialisation changed the tree");
    }

    /// <summary>The KMIP XML decoder, with the same round-trip checks as <see cref="Json"/>.</summary>
    public static void Xml(byte[] input)
    {
        if (!KmipXml.TryParse(input, out var tree, out var error))
        {
            if (string.IsNullOrEmpty(error)) throw new InvalidOperationException("refused without an error message");
            return;
        }
        CheckBinaryRoundTrip(tree);
        if (!KmipXml.Parse(KmipXml.Serialize(tree)).DeepEquals(tree)) throw new InvalidOperationException("XML re-serialisation changed the tree");
    }

    private static void CheckBinaryRoundTrip(TtlvElement tree)
    {
        var bytes = tree.ToBytes();
        if (!TtlvElement.TryDecode(bytes, out var back, out var error, out int offset, TtlvLimits.DepthCeiling))
            throw new InvalidOperationException($"an accepted text document encodes to invalid TTLV: {error} at {offset}");
        if (!back.DeepEquals(tree)) throw new InvalidOperationException("binary round trip changed the tree");
    }

    private static void Walk(ReadOnlySpan<byte> input)
    {
        var reader = new TtlvReader(input);
        Span<byte> sink = stackalloc byte[8];
        long sum = 0;
        while (reader.Read())
        {
            if (reader.Token != TtlvToken.Value) continue;
            switch (reader.Type)
            {
                case ItemType.Integer: sum += reader.GetInt32(); break;
                case ItemType.Enumeration or ItemType.Interval: sum += reader.GetUInt32(); break;
                case ItemType.Boolean: sum += reader.GetBoolean() ? 1 : 0; break;
                case ItemType.LongInteger or ItemType.DateTime or ItemType.DateTimeExtended: sum += reader.GetInt64(); break;
                case ItemType.TextString: sum += reader.ValueTextEquals("x"u8) ? 1 : 0; break;
                default: reader.ValueSpan.Slice(0, Math.Min(8, reader.ValueLength)).CopyTo(sink); break;
            }
        }
        if (reader.Error == TtlvError.None && !reader.IsComplete && input.Length > 0 && reader.Position != input.Length)
            throw new InvalidOperationException("reader stopped without an error before the end");
        GC.KeepAlive(sum);
    }
}

/// <summary>Builds a multi-segment <see cref="ReadOnlySequence{T}"/> from one buffer.</summary>
public sealed class Segments : ReadOnlySequenceSegment<byte>
{
    private Segments(ReadOnlyMemory<byte> memory, long runningIndex)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    /// <summary>Cuts <paramref name="data"/> into segments of <paramref name="size"/> bytes (the last may be shorter).</summary>
    public static ReadOnlySequence<byte> Split(ReadOnlyMemory<byte> data, int size)
    {
        if (data.Length <= size) return new ReadOnlySequence<byte>(data);
        var first = new Segments(data.Slice(0, size), 0);
        var last = first;
        for (int at = size; at < data.Length; at += size)
        {
            var next = new Segments(data.Slice(at, Math.Min(size, data.Length - at)), at);
            last.Next = next;
            last = next;
        }
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }
}
