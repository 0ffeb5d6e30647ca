using System.Buffers;
using Kms.Ttlv.Tree;

namespace Kms.Ttlv.Tests;

/// <summary>
/// Issue 2: the binary hot path allocates nothing in the steady state. Each test warms up (JIT, tiering,
/// pools), then counts the bytes this thread allocates over many decode + encode iterations.
/// </summary>
public class ZeroAllocationTests
{
    private const int Iterations = 10_000;

    [Fact]
    public void GetRequestDecodeAndEncodeAllocateNothing()
    {
        var message = SampleMessages.GetRequest();
        Assert.Equal(152, message.Length);
        AssertNoAllocation(message, static (ref TtlvWriter w) => SampleMessages.WriteGetRequest(ref w));
    }

    [Fact]
    public void GetResponseWithKeyDecodeAndEncodeAllocateNothing()
    {
        var message = SampleMessages.GetResponse();
        AssertNoAllocation(message, static (ref TtlvWriter w) => SampleMessages.WriteGetResponse(ref w));
    }

    [Fact]
    public void CreateRequestDecodeAndEncodeAllocateNothing() =>
        AssertNoAllocation(SampleMessages.CreateRequest(), static (ref TtlvWriter w) => SampleMessages.WriteCreateRequest(ref w));

    [Fact]
    public void HundredItemBatchDecodeAndEncodeAllocateNothing() =>
        AssertNoAllocation(SampleMessages.GetBatch100(), static (ref TtlvWriter w) => SampleMessages.WriteGetRequest(ref w, 100), iterations: 500);

    [Fact]
    public void ResponseKeyIsReadIntoAStackBufferWithoutAllocating()
    {
        var message = SampleMessages.GetResponse();
        Span<byte> key = stackalloc byte[32];
        Assert.True(ReadKey(message, key));
        Assert.True(key.SequenceEqual(SampleMessages.Key));
        static (long Allocated, bool Ok) Measure(byte[] message, Span<byte> key)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            bool ok = true;
            for (int i = 0; i < Iterations; i++) ok &= ReadKey(message, key);
            return (GC.GetAllocatedBytesForCurrentThread() - before, ok);
        }
        Measure(message, key);
        var (allocated, ok) = Measure(message, key);
        Assert.True(ok);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void FramingASplitStreamAllocatesNothing()
    {
        byte[] stream = [.. SampleMessages.GetRequest(), .. SampleMessages.GetResponse(), .. SampleMessages.GetRequest()];
        var sequence = Segments.Split(stream, 5, 150, 300, 470);   // headers and bodies across segment ends
        var limits = TtlvLimits.Default;
        static long FrameAll(ReadOnlySequence<byte> buffer, TtlvLimits limits)
        {
            long total = 0;
            while (Framing.TtlvFramer.TryReadMessage(ref buffer, limits, out var message, out _)) total += message.Length;
            return total;
        }
        static (long Allocated, long Framed) Measure(ReadOnlySequence<byte> sequence, TtlvLimits limits)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            long framed = 0;
            for (int i = 0; i < Iterations; i++) framed += FrameAll(sequence, limits);
            return (GC.GetAllocatedBytesForCurrentThread() - before, framed);
        }
        // The first pass warms up the loop itself (its tier-up allocates once inside the runtime).
        Measure(sequence, limits);
        var (allocated, framed) = Measure(sequence, limits);

        Assert.Equal((long)stream.Length * Iterations, framed);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void SampleMessagesAreWhatTheySayTheyAre()
    {
        var request = TtlvElement.Decode(SampleMessages.GetRequest());
        Assert.Equal("49a1ca88-6bea-4fb2-b450-7e58802c3038", request.FindPath(Tag.BatchItem, Tag.RequestPayload, Tag.UniqueIdentifier)!.Text);
        Assert.Equal(4, request.FindPath(Tag.RequestHeader, Tag.ProtocolVersion, Tag.ProtocolVersionMinor)!.Int32);

        var response = TtlvElement.Decode(SampleMessages.GetResponse());
        var block = response.FindPath(Tag.BatchItem, Tag.ResponsePayload, Tag.SymmetricKey, Tag.KeyBlock)!;
        Assert.Equal(SampleMessages.Key.ToArray(), block.FindPath(Tag.KeyValue, Tag.KeyMaterial)!.Bytes);
        Assert.Equal(256, block.Find(Tag.CryptographicLength)!.Int32);

        var create = TtlvElement.Decode(SampleMessages.CreateRequest());
        Assert.Equal(6, create.FindPath(Tag.BatchItem, Tag.RequestPayload, Tag.Attributes)!.Children.Count);

        var batch = TtlvElement.Decode(SampleMessages.GetBatch100());
        Assert.Equal(100, batch.FindAll(Tag.BatchItem).Count());
        Assert.Equal(100, batch.FindPath(Tag.RequestHeader, Tag.BatchCount)!.Int32);
    }

    private static void AssertNoAllocation(byte[] message, SampleMessages.WriteMessage write, int iterations = Iterations)
    {
        var span = new byte[message.Length];
        var bufferWriter = new ArrayBufferWriter<byte>(message.Length);
        long expected = SampleMessages.Consume(message);
        Assert.NotEqual(-1, expected);

        // The first pass warms up (JIT tiering of the loop allocates once inside the runtime); the second counts.
        Measure(message, span, bufferWriter, write, iterations);
        Assert.True(span.AsSpan().SequenceEqual(message));
        Assert.True(bufferWriter.WrittenSpan.SequenceEqual(message));
        var (allocated, sum) = Measure(message, span, bufferWriter, write, iterations);

        Assert.Equal(expected * iterations, sum);
        Assert.Equal(0, allocated);
        Assert.True(span.AsSpan().SequenceEqual(message));
        Assert.True(bufferWriter.WrittenSpan.SequenceEqual(message));
    }

    private static (long Allocated, long Sum) Measure(byte[] message, byte[] span, ArrayBufferWriter<byte> bufferWriter, SampleMessages.WriteMessage write, int iterations)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        long sum = 0;
        for (int i = 0; i < iterations; i++) sum += Iteration(message, span, bufferWriter, write);
        return (GC.GetAllocatedBytesForCurrentThread() - before, sum);
    }

    private static long Iteration(byte[] message, byte[] span, ArrayBufferWriter<byte> bufferWriter, SampleMessages.WriteMessage write)
    {
        long sum = SampleMessages.Consume(message);

        var w = new TtlvWriter(span.AsSpan());
        write(ref w);
        if (w.Overflowed || w.BytesWritten != message.Length) return long.MinValue;

        bufferWriter.ResetWrittenCount();
        var bw = new TtlvWriter(bufferWriter, message.Length);
        try
        {
            write(ref bw);
        }
        finally
        {
            bw.Dispose();
        }
        return bufferWriter.WrittenCount == message.Length ? sum : long.MinValue;
    }

    /// <summary>Finds KeyMaterial and copies it out: what a client does with a Get response.</summary>
    private static bool ReadKey(ReadOnlySpan<byte> message, Span<byte> key)
    {
        var reader = new TtlvReader(message);
        bool found = false;
        while (reader.Read())
        {
            if (reader.Token == TtlvToken.Value && reader.Tag == Tag.KeyMaterial && reader.ValueLength == key.Length)
            {
                reader.ValueSpan.CopyTo(key);
                found = true;
            }
        }
        return found && reader.IsComplete;
    }
}
