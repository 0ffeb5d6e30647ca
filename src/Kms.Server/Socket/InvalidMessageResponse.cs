using System.Buffers;
using Kms.Ttlv;

namespace Kms.Server.Socket;

/// <summary>
/// The response to a message that cannot be framed (KMIP 1.4 §11 / spec.md §5 "message cannot be parsed"):
/// a header and one Batch Item without Operation, Result Status Operation Failed, Result Reason Invalid Message.
/// The request's version is unknown at this point, so the header says 1.0, which every client can parse.
/// </summary>
public static class InvalidMessageResponse
{
    /// <summary>Writes the response into <paramref name="output"/> (committed when complete).</summary>
    public static void Write(IBufferWriter<byte> output, ReadOnlySpan<char> reason)
    {
        var writer = new TtlvWriter(output, 256);
        try
        {
            writer.StartStructure(Tag.ResponseMessage);
            writer.StartStructure(Tag.ResponseHeader);
            writer.StartStructure(Tag.ProtocolVersion);
            writer.WriteInt32(Tag.ProtocolVersionMajor, 1);
            writer.WriteInt32(Tag.ProtocolVersionMinor, 0);
            writer.EndStructure();
            writer.WriteDateTime(Tag.TimeStamp, DateTimeOffset.UtcNow);
            writer.WriteInt32(Tag.BatchCount, 1);
            writer.EndStructure();
            writer.StartStructure(Tag.BatchItem);
            writer.WriteEnum(Tag.ResultStatus, (uint)ResultStatus.OperationFailed);
            writer.WriteEnum(Tag.ResultReason, (uint)ResultReason.InvalidMessage);
            writer.WriteText(Tag.ResultMessage, reason);
            writer.EndStructure();
            writer.EndStructure();
        }
        finally
        {
            writer.Dispose();
        }
    }
}
