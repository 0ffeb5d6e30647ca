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
    public void ResponseKeyIsReadIntoAStackBufferWithoutAllocating()
    {
        var message = SampleMessages.GetResponse();
        Span<byte> key = stackalloc byte[32];
        Assert.True(ReadKey(message, key));
        Assert.True(key.SequenceEqual(SampleMessages.Key));
        for (int i = 0; i < 100; i++) ReadKey(message, key);

        long before = GC.GetAllocatedBytesForCurrentThread();
        bool ok = true;
        for (int i = 0; i < Iterations; i++) ok &= ReadKey(message, key);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(ok);
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

    private static void AssertNoAllocation(byte[] message, SampleMessages.WriteMessage write)
    {
        var span = new byte[message.Length];
        var bufferWriter = new ArrayBufferWriter<byte>(message.Length);
        long expected = SampleMessages.Consume(message);
        Assert.NotEqual(-1, expected);

        for (int i = 0; i < 100; i++) Iteration(message, span, bufferWriter, write);
        Assert.True(span.AsSpan().SequenceEqual(message));
        Assert.True(bufferWriter.WrittenSpan.SequenceEqual(message));

        long before = GC.GetAllocatedBytesForCurrentThread();
        long sum = 0;
        for (int i = 0; i < Iterations; i++) sum += Iteration(message, span, bufferWriter, write);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(expected * Iterations, sum);
        Assert.Equal(0, allocated);
        Assert.True(span.AsSpan().SequenceEqual(message));
        Assert.True(bufferWriter.WrittenSpan.SequenceEqual(message));
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
