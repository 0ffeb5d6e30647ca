using System.Buffers.Binary;

namespace Kms.Ttlv.Tests;

/// <summary>Builds raw TTLV bytes by hand, including invalid ones, for reader and framing tests.</summary>
internal static class Ttlv
{
    public const uint Tag1 = 0x420020;
    public const uint Tag2 = 0x420021;

    /// <summary>A header followed by <paramref name="body"/> verbatim (value and padding as given).</summary>
    public static byte[] Item(uint tag, byte type, uint length, params byte[] body)
    {
        var bytes = new byte[8 + body.Length];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, (tag << 8) | type);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4), length);
        body.CopyTo(bytes, 8);
        return bytes;
    }

    /// <summary>A well-formed Structure around <paramref name="children"/>.</summary>
    public static byte[] Struct(uint tag, params byte[][] children)
    {
        var body = Concat(children);
        return Item(tag, 0x01, (uint)body.Length, body);
    }

    /// <summary>A well-formed Integer.</summary>
    public static byte[] Int(uint tag, int value)
    {
        var body = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(body, value);
        return Item(tag, 0x02, 4, body);
    }

    public static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    public static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", ""));
}
