using System.Buffers;
using System.Buffers.Binary;
using Kms.Engine;
using Kms.Ttlv;

namespace Kms.Server.Socket;

/// <summary>
/// Benchmark mode (<c>--socket-echo</c>, issue 7): answers each framed message with a canned TTLV message — a
/// ResponseMessage holding one zero-filled Byte String — without decoding it or calling the engine. It measures TLS
/// plus framing alone. The answer has the request's size, or a fixed size (<c>--socket-echo-response-size</c>) so the
/// baseline moves as many bytes as the real responses of the scenario it is compared with.
/// </summary>
/// <param name="responseSize">Bytes of every answer (8 + a multiple of 8); 0 = the size of the request.</param>
public sealed class EchoProcessor(int responseSize = 0) : IKmipProcessor
{
    /// <inheritdoc/>
    public ValueTask<MessageOutcome> ProcessAsync(ReadOnlyMemory<byte> request, IBufferWriter<byte> response, CallerIdentity caller)
    {
        int total = responseSize > 0 ? responseSize : request.Length;  // framed: 8 + a multiple of 8
        int headerSize = total >= 16 ? 16 : 8;
        Span<byte> header = response.GetSpan(headerSize);
        BinaryPrimitives.WriteUInt32BigEndian(header, ((uint)Tag.ResponseMessage << 8) | (byte)ItemType.Structure);
        BinaryPrimitives.WriteUInt32BigEndian(header.Slice(4), (uint)(total - 8));
        if (headerSize == 16)
        {
            // KMIP 2.1 §9.1: Tag(3) Type(1) Length(4) Value padded to 8; Length = total - 16 is already a multiple of 8.
            BinaryPrimitives.WriteUInt32BigEndian(header.Slice(8), ((uint)Tag.Data << 8) | (byte)ItemType.ByteString);
            BinaryPrimitives.WriteUInt32BigEndian(header.Slice(12), (uint)(total - 16));
        }
        response.Advance(headerSize);
        // The zero body goes out in whatever spans the writer has, so large messages need no large buffer.
        for (int remaining = total - headerSize; remaining > 0;)
        {
            Span<byte> span = response.GetSpan();
            int n = Math.Min(remaining, span.Length);
            span.Slice(0, n).Clear();
            response.Advance(n);
            remaining -= n;
        }
        return new(MessageOutcome.Answered);
    }
}
