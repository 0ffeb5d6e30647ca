using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text.Unicode;

namespace Kms.Ttlv;

/// <summary>What the reader is positioned on after <see cref="TtlvReader.Read"/>.</summary>
public enum TtlvToken : byte
{
    None = 0,
    /// <summary>The header of a Structure; its children follow.</summary>
    StartStructure,
    /// <summary>The end of the Structure most recently started.</summary>
    EndStructure,
    /// <summary>A primitive item; its value is in <see cref="TtlvReader.ValueSpan"/>.</summary>
    Value,
}

/// <summary>
/// A forward-only, zero-allocation TTLV reader over one contiguous message (KMIP 2.1 §10.1, 1.4 §9.1):
/// Tag(3) Type(1) Length(4, big-endian) Value, padded to 8. Every item is validated when it is reached:
/// the tag range, the type code, fixed lengths, zero padding, Boolean 0/1, UTF-8 text and structure
/// lengths that their children fill exactly. <see cref="Read"/> never throws on bad bytes: it returns
/// false and sets <see cref="Error"/> and <see cref="ErrorOffset"/>.
/// </summary>
public ref struct TtlvReader
{
    private readonly ReadOnlySpan<byte> _buffer;
    private readonly int _maxDepth;
    private EndStack _ends;      // end offset of each open structure
    private int _depth;
    private int _position;       // offset of the next header
    private int _valueStart;
    private int _valueLength;

    /// <summary>Starts reading <paramref name="buffer"/>, which must hold exactly one top-level item.</summary>
    public TtlvReader(ReadOnlySpan<byte> buffer, int maxDepth = 32)
    {
        _buffer = buffer;
        _maxDepth = Math.Clamp(maxDepth, 1, TtlvLimits.DepthCeiling);
        _ends = default;
        _depth = 0;
        _position = 0;
        Token = TtlvToken.None;
        Tag = Tag.None;
        Type = ItemType.None;
        Error = TtlvError.None;
        ErrorOffset = -1;
    }

    /// <summary>The current token.</summary>
    public TtlvToken Token { get; private set; }
    /// <summary>The current item's tag (for <see cref="TtlvToken.EndStructure"/>, the structure's tag is not kept: None).</summary>
    public Tag Tag { get; private set; }
    /// <summary>The current item's type.</summary>
    public ItemType Type { get; private set; }
    /// <summary>The number of open structures, the current one included.</summary>
    public readonly int Depth => _depth;
    /// <summary>Why reading stopped, or None.</summary>
    public TtlvError Error { get; private set; }
    /// <summary>The byte offset of the item header that failed, or -1.</summary>
    public int ErrorOffset { get; private set; }
    /// <summary>The byte offset of the next unread header.</summary>
    public readonly int Position => _position;
    /// <summary>True when the top-level item has been read completely and nothing follows it.</summary>
    public readonly bool IsComplete => Error == TtlvError.None && _depth == 0 && _position == _buffer.Length && _position > 0;

    /// <summary>The value bytes of the current primitive, without padding. Valid as long as the input buffer is.</summary>
    public readonly ReadOnlySpan<byte> ValueSpan => _buffer.Slice(_valueStart, _valueLength);

    /// <summary>The byte offset of the current item's value in the input (<see cref="ValueSpan"/> starts there).</summary>
    public readonly int ValueOffset => _valueStart;

    /// <summary>The value length of the current item as its header declares it.</summary>
    public readonly int ValueLength => _valueLength;

    /// <summary>True when <paramref name="tag"/> is in 0x420001–0x42FFFF or 0x540000–0x54FFFF (KMIP 2.1 Table 487).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsValidTag(uint tag) => (tag >> 16) == 0x54 || ((tag >> 16) == 0x42 && tag != 0x420000);

    /// <summary>Advances to the next token. Returns false at the end of the input or on an error (see <see cref="Error"/>).</summary>
    public bool Read()
    {
        if (Error != TtlvError.None) return false;
        if (_depth > 0 && _position == _ends[_depth - 1])
        {
            _depth--;
            Token = TtlvToken.EndStructure;
            Tag = Tag.None;
            Type = ItemType.Structure;
            _valueLength = 0;
            return true;
        }
        if (_depth == 0 && _position > 0)
        {
            Token = TtlvToken.None;
            return _position == _buffer.Length ? false : Fail(TtlvError.TrailingData, _position);
        }
        return ReadHeader();
    }

    private bool ReadHeader()
    {
        int start = _position;
        int limit = _depth > 0 ? _ends[_depth - 1] : _buffer.Length;
        if (limit - start < 8) return Fail(_depth > 0 ? TtlvError.LengthOverflow : TtlvError.Truncated, start);

        // One 8-byte read for the whole header: Tag(3) Type(1) Length(4), big-endian.
        ulong header = BinaryPrimitives.ReadUInt64BigEndian(_buffer.Slice(start, 8));
        uint tag = (uint)(header >> 40);
        if (!IsValidTag(tag)) return Fail(TtlvError.InvalidTag, start);
        var type = (ItemType)(byte)(header >> 32);
        uint length = (uint)header;
        int valueStart = start + 8;
        long available = limit - valueStart;

        switch (type)
        {
            case ItemType.Structure:
                if ((length & 7) != 0) return Fail(TtlvError.InvalidLength, start);
                if (length > available) return Fail(_depth > 0 ? TtlvError.LengthOverflow : TtlvError.Truncated, start);
                if (_depth >= _maxDepth) return Fail(TtlvError.DepthExceeded, start);
                _ends[_depth++] = valueStart + (int)length;
                _position = valueStart;
                _valueStart = valueStart;
                _valueLength = (int)length;
                Tag = (Tag)tag;
                Type = type;
                Token = TtlvToken.StartStructure;
                return true;
            case ItemType.Integer or ItemType.Enumeration or ItemType.Interval:
                if (length != 4) return Fail(TtlvError.InvalidLength, start);
                break;
            case ItemType.LongInteger or ItemType.Boolean or ItemType.DateTime or ItemType.DateTimeExtended:
                if (length != 8) return Fail(TtlvError.InvalidLength, start);
                break;
            case ItemType.BigInteger:
                if (length == 0 || (length & 7) != 0) return Fail(TtlvError.InvalidLength, start);
                break;
            case ItemType.TextString or ItemType.ByteString:
                break;
            default:
                return Fail(TtlvError.InvalidType, start);
        }

        long padded = ((long)length + 7) & ~7L;
        if (padded > available) return Fail(_depth > 0 ? TtlvError.LengthOverflow : TtlvError.Truncated, start);
        int len = (int)length;
        int pad = (int)padded - len;
        if (pad != 0)
        {
            // The padding is the low-order end of the value's last 8-byte word (1 to 7 bytes).
            ulong last = BinaryPrimitives.ReadUInt64BigEndian(_buffer.Slice(valueStart + (int)padded - 8, 8));
            if ((last & ((1UL << (pad * 8)) - 1)) != 0) return Fail(TtlvError.InvalidPadding, start);
        }
        if (type == ItemType.Boolean && BinaryPrimitives.ReadUInt64BigEndian(_buffer.Slice(valueStart, 8)) > 1) return Fail(TtlvError.InvalidBoolean, start);
        if (type == ItemType.TextString && !Utf8.IsValid(_buffer.Slice(valueStart, len))) return Fail(TtlvError.InvalidUtf8, start);

        _position = valueStart + (int)padded;
        _valueStart = valueStart;
        _valueLength = len;
        Tag = (Tag)tag;
        Type = type;
        Token = TtlvToken.Value;
        return true;
    }

    /// <summary>Skips the children of the structure just started; the next <see cref="Read"/> returns its EndStructure.</summary>
    public void SkipChildren()
    {
        if (Token == TtlvToken.StartStructure) _position = _ends[_depth - 1];
    }

    /// <summary>Reads to the end, validating everything. Returns true when the whole input is one valid item.</summary>
    public bool ValidateToEnd()
    {
        while (Read()) { }
        return IsComplete;
    }

    public readonly int GetInt32() => BinaryPrimitives.ReadInt32BigEndian(ValueSpan);
    public readonly uint GetUInt32() => BinaryPrimitives.ReadUInt32BigEndian(ValueSpan);
    public readonly long GetInt64() => BinaryPrimitives.ReadInt64BigEndian(ValueSpan);
    public readonly bool GetBoolean() => ValueSpan[7] != 0;

    /// <summary>The current Integer, Long Integer, Enumeration, Interval, Boolean, Date-Time or Date-Time Extended as a 64-bit value.</summary>
    public readonly long GetNumber() => Type switch
    {
        ItemType.Integer => GetInt32(),
        ItemType.Enumeration or ItemType.Interval => GetUInt32(),
        _ => GetInt64(),
    };

    /// <summary>Whether the current text value equals <paramref name="utf8"/>, without allocating.</summary>
    public readonly bool ValueTextEquals(ReadOnlySpan<byte> utf8) => Type == ItemType.TextString && ValueSpan.SequenceEqual(utf8);

    private bool Fail(TtlvError error, int offset)
    {
        Error = error;
        ErrorOffset = offset;
        Token = TtlvToken.None;
        return false;
    }

    [InlineArray(TtlvLimits.DepthCeiling)]
    private struct EndStack
    {
        private int _element;
    }
}
