using System.Buffers;
using System.Buffers.Binary;
using Kms.Engine;
using Kms.Ttlv;

namespace Kms.Server.Socket;

/// <summary>
/// Benchmark mode (<c>--socket-echo</c>, issue 7): answers each framed message with a canned TTLV message of the
/// same size — a ResponseMessage holding one zero-filled Byte String — without decoding it or calling the engine.
/// It measures TLS plus framing alone.
/// </summary>
public sealed class EchoProcessor : IKmipProcessor
{
    /// <inheritdoc/>
    public void Process(ReadOnlySpan<byte> request, IBufferWriter<byte> response, CallerIdentity caller)
    {
        int total = request.Length;           // framed: 8 + a multiple of 8
        Span<byte> span = response.GetSpan(total).Slice(0, total);
        BinaryPrimitives.WriteUInt32BigEndian(span, ((uint)Tag.ResponseMessage << 8) | (byte)ItemType.Structure);
        BinaryPrimitives.WriteUInt32BigEndian(span.Slice(4), (uint)(total - 8));
        if (total >= 16)
        {
            // KMIP 2.1 §9.1: Tag(3) Type(1) Length(4) Value padded to 8; Length = total - 16 is already a multiple of 8.
            BinaryPrimitives.WriteUInt32BigEndian(span.Slice(8), ((uint)Tag.Data << 8) | (byte)ItemType.ByteString);
            BinaryPrimitives.WriteUInt32BigEndian(span.Slice(12), (uint)(total - 16));
            span.Slice(16).Clear();
        }
        response.Advance(total);
    }
}
