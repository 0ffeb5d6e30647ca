using System.Buffers.Binary;
using Kms.Ttlv;

namespace Kms.Server.Tests;

/// <summary>Hand-built TTLV messages for the transport tests.</summary>
public static class Messages
{
    /// <summary>A well-framed RequestMessage of exactly <paramref name="total"/> bytes (a multiple of 8, at least 16) holding one Byte String.</summary>
    public static byte[] Padded(int total, byte fill = 0xAB)
    {
        var m = new byte[total];
        BinaryPrimitives.WriteUInt32BigEndian(m, ((uint)Tag.RequestMessage << 8) | (byte)ItemType.Structure);
        BinaryPrimitives.WriteUInt32BigEndian(m.AsSpan(4), (uint)(total - 8));
        BinaryPrimitives.WriteUInt32BigEndian(m.AsSpan(8), ((uint)Tag.Data << 8) | (byte)ItemType.ByteString);
        BinaryPrimitives.WriteUInt32BigEndian(m.AsSpan(12), (uint)(total - 16));
        m.AsSpan(16).Fill(fill);
        return m;
    }

    /// <summary>Just a header declaring <paramref name="declaredLength"/> bytes of body.</summary>
    public static byte[] Header(uint declaredLength, ItemType type = ItemType.Structure)
    {
        var m = new byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(m, ((uint)Tag.RequestMessage << 8) | (byte)type);
        BinaryPrimitives.WriteUInt32BigEndian(m.AsSpan(4), declaredLength);
        return m;
    }
}
