using System.Buffers;

namespace Kms.Ttlv.Tests;

/// <summary>
/// The hot-path sample messages of issue 2 (shared by the zero-allocation tests and the benchmarks, which
/// link this file): a KMIP 1.4 Get request, its response carrying a 256-bit AES key, a KMIP 2.1 Create
/// with six attributes, and a 100-item batch of Get requests. The writers never allocate.
/// </summary>
public static class SampleMessages
{
    /// <summary>A 36-character UUID, as a server hands out.</summary>
    public static ReadOnlySpan<byte> Uid => "49a1ca88-6bea-4fb2-b450-7e58802c3038"u8;

    /// <summary>A fixed 256-bit key (test data only).</summary>
    public static ReadOnlySpan<byte> Key => [
        0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF,
        0x0F, 0x1E, 0x2D, 0x3C, 0x4B, 0x5A, 0x69, 0x78, 0x87, 0x96, 0xA5, 0xB4, 0xC3, 0xD2, 0xE1, 0xF0];

    /// <summary>2026-01-01T00:00:00Z.</summary>
    public const long TimeStamp = 1767225600;

    public static void WriteGetRequest(ref TtlvWriter w, int batchCount = 1)
    {
        w.StartStructure(Tag.RequestMessage);
        WriteHeader(ref w, Tag.RequestHeader, 1, 4, batchCount, timeStamp: null);
        for (int i = 0; i < batchCount; i++)
        {
            w.StartStructure(Tag.BatchItem);
            w.WriteEnum(Tag.Operation, (uint)Operation.Get);
            w.StartStructure(Tag.RequestPayload);
            w.WriteTextUtf8(Tag.UniqueIdentifier, Uid);
            w.EndStructure();
            w.EndStructure();
        }
        w.EndStructure();
    }

    public static void WriteGetResponse(ref TtlvWriter w)
    {
        w.StartStructure(Tag.ResponseMessage);
        WriteHeader(ref w, Tag.ResponseHeader, 1, 4, 1, TimeStamp);
        w.StartStructure(Tag.BatchItem);
        w.WriteEnum(Tag.Operation, (uint)Operation.Get);
        w.WriteEnum(Tag.ResultStatus, (uint)ResultStatus.Success);
        w.StartStructure(Tag.ResponsePayload);
        w.WriteEnum(Tag.ObjectType, (uint)ObjectType.SymmetricKey);
        w.WriteTextUtf8(Tag.UniqueIdentifier, Uid);
        w.StartStructure(Tag.SymmetricKey);
        w.StartStructure(Tag.KeyBlock);
        w.WriteEnum(Tag.KeyFormatType, (uint)KeyFormatType.Raw);
        w.StartStructure(Tag.KeyValue);
        w.WriteBytes(Tag.KeyMaterial, Key);
        w.EndStructure();
        w.WriteEnum(Tag.CryptographicAlgorithm, (uint)CryptographicAlgorithm.AES);
        w.WriteInt32(Tag.CryptographicLength, 256);
        w.EndStructure();
        w.EndStructure();
        w.EndStructure();
        w.EndStructure();
        w.EndStructure();
    }

    /// <summary>KMIP 2.1 Create of an AES-256 key with six attributes in the 2.x Attributes form.</summary>
    public static void WriteCreateRequest(ref TtlvWriter w)
    {
        w.StartStructure(Tag.RequestMessage);
        WriteHeader(ref w, Tag.RequestHeader, 2, 1, 1, timeStamp: null);
        w.StartStructure(Tag.BatchItem);
        w.WriteEnum(Tag.Operation, (uint)Operation.Create);
        w.StartStructure(Tag.RequestPayload);
        w.WriteEnum(Tag.ObjectType, (uint)ObjectType.SymmetricKey);
        w.StartStructure(Tag.Attributes);
        w.WriteEnum(Tag.CryptographicAlgorithm, (uint)CryptographicAlgorithm.AES);
        w.WriteInt32(Tag.CryptographicLength, 256);
        w.WriteInt32(Tag.CryptographicUsageMask, (int)(CryptographicUsageMask.Encrypt | CryptographicUsageMask.Decrypt));
        w.StartStructure(Tag.Name);
        w.WriteTextUtf8(Tag.NameValue, "payments-dek-2026"u8);
        w.WriteEnum(Tag.NameType, (uint)NameType.UninterpretedTextString);
        w.EndStructure();
        w.WriteTextUtf8(Tag.ObjectGroup, "payments"u8);
        w.WriteDateTime(Tag.ActivationDate, TimeStamp);
        w.EndStructure();
        w.EndStructure();
        w.EndStructure();
        w.EndStructure();
    }

    private static void WriteHeader(ref TtlvWriter w, Tag header, int major, int minor, int batchCount, long? timeStamp)
    {
        w.StartStructure(header);
        w.StartStructure(Tag.ProtocolVersion);
        w.WriteInt32(Tag.ProtocolVersionMajor, major);
        w.WriteInt32(Tag.ProtocolVersionMinor, minor);
        w.EndStructure();
        if (timeStamp is { } ts) w.WriteDateTime(Tag.TimeStamp, ts);
        w.WriteInt32(Tag.BatchCount, batchCount);
        w.EndStructure();
    }

    public static byte[] GetRequest() => Encode(static (ref TtlvWriter w) => WriteGetRequest(ref w));
    public static byte[] GetResponse() => Encode(static (ref TtlvWriter w) => WriteGetResponse(ref w));
    public static byte[] CreateRequest() => Encode(static (ref TtlvWriter w) => WriteCreateRequest(ref w));
    public static byte[] GetBatch100() => Encode(static (ref TtlvWriter w) => WriteGetRequest(ref w, 100));

    public delegate void WriteMessage(ref TtlvWriter writer);

    public static byte[] Encode(WriteMessage write)
    {
        var output = new ArrayBufferWriter<byte>();
        var w = new TtlvWriter(output);
        try
        {
            write(ref w);
        }
        finally
        {
            w.Dispose();
        }
        return output.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Reads every token and every value of a message the way a request processor would: numbers as
    /// numbers, the UID compared in place, byte strings copied into a stack buffer. Returns a checksum
    /// (so the work cannot be optimised away), or -1 when the reader refuses the input.
    /// </summary>
    public static long Consume(ReadOnlySpan<byte> message)
    {
        var reader = new TtlvReader(message);
        Span<byte> key = stackalloc byte[64];
        long sum = 0;
        while (reader.Read())
        {
            sum += (uint)reader.Tag;
            if (reader.Token != TtlvToken.Value) continue;
            switch (reader.Type)
            {
                case ItemType.Integer:
                    sum += reader.GetInt32();
                    break;
                case ItemType.Enumeration or ItemType.Interval:
                    sum += reader.GetUInt32();
                    break;
                case ItemType.LongInteger or ItemType.DateTime or ItemType.DateTimeExtended:
                    sum += reader.GetInt64();
                    break;
                case ItemType.Boolean:
                    sum += reader.GetBoolean() ? 1 : 0;
                    break;
                case ItemType.TextString:
                    sum += reader.ValueTextEquals(Uid) ? 1000 : reader.ValueLength;
                    break;
                default:
                    var value = reader.ValueSpan;
                    if (value.Length > key.Length) return -1;
                    value.CopyTo(key);
                    sum += value.Length == 0 ? 0 : key[value.Length - 1];
                    break;
            }
        }
        return reader.IsComplete ? sum : -1;
    }
}
