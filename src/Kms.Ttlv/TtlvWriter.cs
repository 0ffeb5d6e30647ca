using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;

namespace Kms.Ttlv;

/// <summary>
/// A forward-only TTLV writer (KMIP 2.1 §10.1). It pads every value to 8 bytes and patches each
/// structure's length when the structure ends, so a whole message is written in one pass.
/// <para>
/// Over a <see cref="Span{T}"/> it never allocates; when the span is too small it sets
/// <see cref="Overflowed"/> and stops writing. Over an <see cref="IBufferWriter{T}"/> it writes straight
/// into the writer's span and commits (Advance) only when the top-level item is complete; if that span
/// runs out it continues in a pooled scratch buffer and copies once at the end, so it is correct for any
/// message size and allocation-free in the steady state. Call <see cref="Dispose"/> to return the scratch.
/// </para>
/// </summary>
public ref struct TtlvWriter
{
    private readonly IBufferWriter<byte>? _output;
    private readonly int _sizeHint;
    private Span<byte> _buffer;
    private byte[]? _scratch;
    private int _position;
    private int _depth;
    private StartStack _starts;

    /// <summary>Writes into <paramref name="destination"/>; see <see cref="BytesWritten"/> and <see cref="Overflowed"/>.</summary>
    public TtlvWriter(Span<byte> destination)
    {
        _output = null;
        _sizeHint = 0;
        _buffer = destination;
        _scratch = null;
        _position = 0;
        _depth = 0;
        _starts = default;
        Overflowed = false;
    }

    /// <summary>Writes into <paramref name="output"/>, committing each complete top-level item.</summary>
    /// <param name="output">The destination.</param>
    /// <param name="sizeHint">How many bytes to ask for at the start of each top-level item; a good guess avoids the scratch copy.</param>
    public TtlvWriter(IBufferWriter<byte> output, int sizeHint = 4096)
    {
        _output = output;
        _sizeHint = sizeHint;
        _buffer = default;   // asked for at the first write, so no span is held after the last commit
        _scratch = null;
        _position = 0;
        _depth = 0;
        _starts = default;
        Overflowed = false;
    }

    /// <summary>Bytes written so far and not yet committed to an <see cref="IBufferWriter{T}"/>.</summary>
    public readonly int BytesWritten => _position;

    /// <summary>True when a fixed destination span was too small; the output is then incomplete.</summary>
    public bool Overflowed { get; private set; }

    /// <summary>The number of structures open.</summary>
    public readonly int Depth => _depth;

    /// <summary>The bytes written so far (span mode, or before a commit).</summary>
    public readonly ReadOnlySpan<byte> WrittenSpan => _buffer.Slice(0, _position);

    public void StartStructure(Tag tag)
    {
        if (_depth >= TtlvLimits.DepthCeiling) throw new InvalidOperationException("TTLV structure nesting exceeds the depth ceiling.");
        // After an overflow nothing more is written, but nesting is still tracked so EndStructure pairs up.
        Header(tag, ItemType.Structure, 0, 0);
        _starts[_depth++] = _position;
    }

    public void EndStructure()
    {
        if (_depth == 0) throw new InvalidOperationException("EndStructure without StartStructure.");
        int start = _starts[--_depth];
        if (!Overflowed) BinaryPrimitives.WriteUInt32BigEndian(_buffer.Slice(start - 4), (uint)(_position - start));
        if (_depth == 0) Commit();
    }

    public void WriteInt32(Tag tag, int value) => WriteUInt32(tag, ItemType.Integer, (uint)value);

    public void WriteEnum(Tag tag, uint value) => WriteUInt32(tag, ItemType.Enumeration, value);

    public void WriteInterval(Tag tag, uint seconds) => WriteUInt32(tag, ItemType.Interval, seconds);

    public void WriteInt64(Tag tag, long value) => WriteFixed8(tag, ItemType.LongInteger, value);

    public void WriteBoolean(Tag tag, bool value) => WriteFixed8(tag, ItemType.Boolean, value ? 1 : 0);

    /// <summary>Date-Time: POSIX seconds.</summary>
    public void WriteDateTime(Tag tag, long unixSeconds) => WriteFixed8(tag, ItemType.DateTime, unixSeconds);

    public void WriteDateTime(Tag tag, DateTimeOffset value) => WriteFixed8(tag, ItemType.DateTime, value.ToUnixTimeSeconds());

    /// <summary>Date-Time Extended (KMIP 2.0+): POSIX microseconds.</summary>
    public void WriteDateTimeExtended(Tag tag, long unixMicroseconds) => WriteFixed8(tag, ItemType.DateTimeExtended, unixMicroseconds);

    public void WriteBytes(Tag tag, ReadOnlySpan<byte> value) => WriteVariable(tag, ItemType.ByteString, value);

    /// <summary>
    /// Writes a Byte String of <paramref name="length"/> bytes (header and zero padding) and returns the span of its value,
    /// for a producer that writes straight into the message (a cipher's output). Fill the span before the next call on
    /// this writer, which may move the pending bytes. Only inside a structure (a top-level item is committed at once);
    /// empty after an overflow of a fixed destination.
    /// </summary>
    public Span<byte> ReserveBytes(Tag tag, int length)
    {
        if (_depth == 0) throw new InvalidOperationException("ReserveBytes outside a structure.");
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (!Header(tag, ItemType.ByteString, length, Padded(length))) return default;
        var value = _buffer.Slice(_position, length);
        Pad(length);
        return value;
    }

    /// <summary>A Text String from UTF-8 bytes (the caller guarantees they are valid UTF-8).</summary>
    public void WriteTextUtf8(Tag tag, ReadOnlySpan<byte> utf8) => WriteVariable(tag, ItemType.TextString, utf8);

    public void WriteText(Tag tag, ReadOnlySpan<char> value)
    {
        int length = Encoding.UTF8.GetByteCount(value);
        if (!Header(tag, ItemType.TextString, length, Padded(length))) return;
        Encoding.UTF8.GetBytes(value, _buffer.Slice(_position));
        Pad(length);
    }

    /// <summary>A Big Integer from its two's complement big-endian bytes, already sign-extended to a multiple of 8.</summary>
    public void WriteBigIntegerRaw(Tag tag, ReadOnlySpan<byte> value)
    {
        if (value.Length == 0 || (value.Length & 7) != 0) throw new ArgumentException("Big Integer bytes must be a non-empty multiple of 8.", nameof(value));
        WriteVariable(tag, ItemType.BigInteger, value);
    }

    /// <summary>Copies an already encoded, valid TTLV item verbatim.</summary>
    public void WriteRaw(ReadOnlySpan<byte> encodedItem)
    {
        if (!Ensure(encodedItem.Length)) return;
        encodedItem.CopyTo(_buffer.Slice(_position));
        _position += encodedItem.Length;
        if (_depth == 0) Commit();
    }

    /// <summary>Returns the scratch buffer, if one was needed.</summary>
    public void Dispose()
    {
        if (_scratch is { } scratch)
        {
            _scratch = null;
            ArrayPool<byte>.Shared.Return(scratch, clearArray: true);
        }
    }

    private void WriteUInt32(Tag tag, ItemType type, uint value)
    {
        if (!Header(tag, type, 4, 8)) return;
        BinaryPrimitives.WriteUInt64BigEndian(_buffer.Slice(_position), (ulong)value << 32); // the value, then 4 zero bytes
        Advance(8);
    }

    private void WriteFixed8(Tag tag, ItemType type, long value)
    {
        if (!Header(tag, type, 8, 8)) return;
        BinaryPrimitives.WriteInt64BigEndian(_buffer.Slice(_position), value);
        Advance(8);
    }

    private void WriteVariable(Tag tag, ItemType type, ReadOnlySpan<byte> value)
    {
        if (!Header(tag, type, value.Length, Padded(value.Length))) return;
        value.CopyTo(_buffer.Slice(_position));
        Pad(value.Length);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Padded(int length) => (length + 7) & ~7;

    private void Pad(int length)
    {
        int padded = Padded(length);
        _buffer.Slice(_position + length, padded - length).Clear();
        Advance(padded);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Advance(int count)
    {
        _position += count;
        if (_depth == 0) Commit();
    }

    /// <summary>Writes an 8-byte header and makes room for <paramref name="valueRoom"/> more bytes.</summary>
    private bool Header(Tag tag, ItemType type, int length, int valueRoom)
    {
        if (!Ensure(8 + valueRoom)) return false;
        BinaryPrimitives.WriteUInt64BigEndian(_buffer.Slice(_position), ((ulong)tag << 40) | ((ulong)(byte)type << 32) | (uint)length);
        _position += 8;
        return true;
    }

    private bool Ensure(int count)
    {
        if (Overflowed) return false;
        if (_buffer.Length - _position >= count) return true;
        if (_output is null)
        {
            Overflowed = true;
            return false;
        }
        if (_position == 0 && _scratch is null)
        {
            // Nothing pending: take a fresh span from the output.
            _buffer = _output.GetSpan(Math.Max(_sizeHint, count));
            if (_buffer.Length >= count) return true;
        }
        // Continue in a larger pooled scratch buffer; the output's span is left uncommitted.
        int size = Math.Max(_buffer.Length * 2, _position + count + 4096);
        var next = ArrayPool<byte>.Shared.Rent(size);
        _buffer.Slice(0, _position).CopyTo(next);
        Dispose();
        _scratch = next;
        _buffer = next;
        return true;
    }

    private void Commit()
    {
        if (_output is null || _position == 0) return;
        if (_scratch is null)
        {
            _output.Advance(_position);
        }
        else
        {
            _output.Write(_buffer.Slice(0, _position));
            Dispose();
        }
        _buffer = default;
        _position = 0;
    }

    [InlineArray(TtlvLimits.DepthCeiling)]
    private struct StartStack
    {
        private int _element;
    }
}
