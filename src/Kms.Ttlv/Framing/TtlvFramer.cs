using System.Buffers;
using System.Buffers.Binary;

namespace Kms.Ttlv.Framing;

/// <summary>Why a stream of TTLV messages cannot be framed. The connection must then be closed.</summary>
public enum FramingError : byte
{
    None = 0,
    /// <summary>The header's tag is not a valid TTLV tag.</summary>
    InvalidTag,
    /// <summary>The top-level item is not a Structure.</summary>
    NotAStructure,
    /// <summary>The declared length is not a multiple of 8.</summary>
    InvalidLength,
    /// <summary>The declared message size exceeds <see cref="TtlvLimits.MaxMessageSize"/>.</summary>
    MessageTooLarge,
}

/// <summary>
/// Splits a byte stream into whole TTLV messages (KMIP has no framing beyond TTLV: read the 8-byte header,
/// then Length more bytes). The header is checked — tag, Structure type, declared length within the
/// limit — before any byte of the body is waited for, so an oversized declaration is refused at once.
/// </summary>
public static class TtlvFramer
{
    /// <summary>Size of a TTLV item header.</summary>
    public const int HeaderSize = 8;

    /// <summary>
    /// Takes one whole message off the front of <paramref name="buffer"/>.
    /// Returns true with <paramref name="message"/> set (and <paramref name="buffer"/> advanced past it);
    /// false with <paramref name="error"/> None when more bytes are needed; false with an error when the
    /// stream is not valid TTLV framing. <paramref name="message"/> is valid until the buffer is released.
    /// </summary>
    public static bool TryReadMessage(ref ReadOnlySequence<byte> buffer, TtlvLimits limits, out ReadOnlySequence<byte> message, out FramingError error)
    {
        message = default;
        error = FramingError.None;
        if (buffer.Length < HeaderSize) return false;

        Span<byte> header = stackalloc byte[HeaderSize];
        var first = buffer.FirstSpan;
        if (first.Length >= HeaderSize) first.Slice(0, HeaderSize).CopyTo(header);
        else buffer.Slice(0, HeaderSize).CopyTo(header);

        error = CheckHeader(header, limits, out int total);
        if (error != FramingError.None) return false;
        if (buffer.Length < total) return false;

        message = buffer.Slice(0, total);
        buffer = buffer.Slice(message.End);
        return true;
    }

    /// <summary>
    /// Validates a message header and returns the whole message size. Used by the framer and by
    /// transports that read a header before deciding to read a body.
    /// </summary>
    public static FramingError CheckHeader(ReadOnlySpan<byte> header, TtlvLimits limits, out int totalSize)
    {
        totalSize = 0;
        uint word = BinaryPrimitives.ReadUInt32BigEndian(header);
        if (!TtlvReader.IsValidTag(word >> 8)) return FramingError.InvalidTag;
        if ((ItemType)(byte)word != ItemType.Structure) return FramingError.NotAStructure;
        uint length = BinaryPrimitives.ReadUInt32BigEndian(header.Slice(4));
        if ((length & 7) != 0) return FramingError.InvalidLength;
        // Clamped at 0 so that an unvalidated limit below the header size refuses everything instead of wrapping.
        if (length > (uint)Math.Max(0, limits.MaxMessageSize - HeaderSize)) return FramingError.MessageTooLarge;
        totalSize = HeaderSize + (int)length;
        return FramingError.None;
    }
}
