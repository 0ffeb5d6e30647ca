using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text;

namespace Kms.Ttlv.Tree;

/// <summary>
/// A TTLV item as a tree node: tag, type, value and, for a Structure, children. For adapters (JSON, XML),
/// tests and tools; the binary hot path uses <see cref="TtlvReader"/> and <see cref="TtlvWriter"/> directly.
/// </summary>
public sealed class TtlvElement
{
    // What the type needs beyond Number, in one field (a node of 40 bytes instead of 56): a Structure's children
    // (List<TtlvElement>), a Text String's string, a Byte String's or Big Integer's bytes; null for the other types.
    // Set by the constructors to match Type and never replaced, so the getters cast without a check.
    private readonly object? _value;

    private TtlvElement(Tag tag, ItemType type, object? value = null)
    {
        Tag = tag;
        Type = type;
        _value = type == ItemType.Structure ? value ?? new List<TtlvElement>() : value;
    }

    public Tag Tag { get; }
    public ItemType Type { get; }

    /// <summary>
    /// Children of a Structure. For the other types an empty list, made anew at each call (a leaf has no children:
    /// what is added to it is not kept).
    /// </summary>
    public List<TtlvElement> Children => Type == ItemType.Structure ? Unsafe.As<List<TtlvElement>>(_value!) : [];

    // The children of a Structure, or null: for the lookups, which must not make a list for a leaf.
    private List<TtlvElement>? ChildList => Type == ItemType.Structure ? Unsafe.As<List<TtlvElement>>(_value!) : null;

    /// <summary>
    /// Integer, Long Integer, Enumeration (unsigned), Interval (unsigned), Boolean (0/1), Date-Time (POSIX
    /// seconds) and Date-Time Extended (POSIX microseconds) values.
    /// </summary>
    public long Number { get; private init; }

    /// <summary>Byte String bytes, or Big Integer two's complement big-endian bytes (a multiple of 8, as on the wire); empty for other types.</summary>
    public byte[] Bytes => Type is ItemType.ByteString or ItemType.BigInteger ? Unsafe.As<byte[]>(_value!) : [];

    /// <summary>Text String value; empty for other types.</summary>
    public string Text => Type == ItemType.TextString ? Unsafe.As<string>(_value!) : "";

    public static TtlvElement Structure(Tag tag, params IEnumerable<TtlvElement> children)
        => new(tag, ItemType.Structure, new List<TtlvElement>(children));

    /// <summary>A Structure of the listed children (the form an argument list binds to: no collection wrapper is allocated).</summary>
    public static TtlvElement Structure(Tag tag, params ReadOnlySpan<TtlvElement> children)
    {
        // Room for exactly the children given: most structures are built whole.
        var list = new List<TtlvElement>(children.Length);
        list.AddRange(children);
        return new(tag, ItemType.Structure, list);
    }

    public static TtlvElement Integer(Tag tag, int value) => new(tag, ItemType.Integer) { Number = value };
    public static TtlvElement LongInteger(Tag tag, long value) => new(tag, ItemType.LongInteger) { Number = value };
    public static TtlvElement Enumeration(Tag tag, uint value) => new(tag, ItemType.Enumeration) { Number = value };
    public static TtlvElement Enumeration<TEnum>(Tag tag, TEnum value) where TEnum : struct, Enum => Enumeration(tag, Convert.ToUInt32(value, CultureInfo.InvariantCulture));
    public static TtlvElement Interval(Tag tag, uint seconds) => new(tag, ItemType.Interval) { Number = seconds };
    public static TtlvElement Boolean(Tag tag, bool value) => new(tag, ItemType.Boolean) { Number = value ? 1 : 0 };
    public static TtlvElement TextString(Tag tag, string value) => new(tag, ItemType.TextString, value);
    public static TtlvElement ByteString(Tag tag, byte[] value) => new(tag, ItemType.ByteString, value);
    public static TtlvElement DateTime(Tag tag, long unixSeconds) => new(tag, ItemType.DateTime) { Number = unixSeconds };
    public static TtlvElement DateTime(Tag tag, DateTimeOffset value) => DateTime(tag, value.ToUnixTimeSeconds());
    public static TtlvElement DateTimeExtended(Tag tag, long unixMicroseconds) => new(tag, ItemType.DateTimeExtended) { Number = unixMicroseconds };

    /// <summary>A Big Integer from its wire bytes (two's complement, big-endian, length a non-zero multiple of 8).</summary>
    public static TtlvElement BigIntegerRaw(Tag tag, byte[] wireBytes)
    {
        if (wireBytes.Length == 0 || wireBytes.Length % 8 != 0) throw new ArgumentException("Big Integer bytes must be a non-empty multiple of 8.", nameof(wireBytes));
        return new(tag, ItemType.BigInteger, wireBytes);
    }

    /// <summary>A Big Integer, sign-extended to a multiple of 8 bytes (KMIP 2.1 §10.1.1.4).</summary>
    public static TtlvElement BigInteger(Tag tag, BigInteger value) => BigIntegerRaw(tag, BigIntegerToWire(value));

    /// <summary>A Big Integer's value.</summary>
    public BigInteger BigIntegerValue => new(Bytes, isUnsigned: false, isBigEndian: true);

    public int Int32 => (int)Number;
    public uint UInt32 => (uint)Number;
    public bool Bool => Number != 0;
    public DateTimeOffset DateTimeValue => DateTimeOffset.FromUnixTimeSeconds(Number);

    /// <summary>The first child with <paramref name="tag"/>, or null.</summary>
    public TtlvElement? Find(Tag tag)
    {
        if (ChildList is not { } children) return null;
        foreach (var c in children) if (c.Tag == tag) return c;
        return null;
    }

    /// <summary>Every child with <paramref name="tag"/>.</summary>
    public IEnumerable<TtlvElement> FindAll(Tag tag)
    {
        if (ChildList is not { } children) yield break;
        foreach (var c in children) if (c.Tag == tag) yield return c;
    }

    /// <summary>Follows a path of tags from this element.</summary>
    public TtlvElement? FindPath(params ReadOnlySpan<Tag> path)
    {
        var current = this;
        foreach (var t in path)
        {
            current = current.Find(t);
            if (current is null) return null;
        }
        return current;
    }

    /// <summary>A copy of this element with another tag (same type, value and children).</summary>
    public TtlvElement WithTag(Tag tag)
        => new(tag, Type, ChildList is { } children ? new List<TtlvElement>(children) : _value) { Number = Number };

    public static byte[] BigIntegerToWire(BigInteger value)
    {
        var raw = value.ToByteArray(isUnsigned: false, isBigEndian: true);
        int length = Math.Max(8, (raw.Length + 7) & ~7);
        var wire = new byte[length];
        if (value.Sign < 0) wire.AsSpan(0, length - raw.Length).Fill(0xFF);
        raw.CopyTo(wire, length - raw.Length);
        return wire;
    }

    // ---- binary ----

    /// <summary>Writes this element with <paramref name="writer"/>.</summary>
    public void WriteTo(ref TtlvWriter writer)
    {
        switch (Type)
        {
            case ItemType.Structure:
                writer.StartStructure(Tag);
                foreach (var c in ChildList!) c.WriteTo(ref writer);
                writer.EndStructure();
                break;
            case ItemType.Integer: writer.WriteInt32(Tag, (int)Number); break;
            case ItemType.LongInteger: writer.WriteInt64(Tag, Number); break;
            case ItemType.BigInteger: writer.WriteBigIntegerRaw(Tag, Bytes); break;
            case ItemType.Enumeration: writer.WriteEnum(Tag, (uint)Number); break;
            case ItemType.Boolean: writer.WriteBoolean(Tag, Number != 0); break;
            case ItemType.TextString: writer.WriteText(Tag, Text); break;
            case ItemType.ByteString: writer.WriteBytes(Tag, Bytes); break;
            case ItemType.DateTime: writer.WriteDateTime(Tag, Number); break;
            case ItemType.Interval: writer.WriteInterval(Tag, (uint)Number); break;
            case ItemType.DateTimeExtended: writer.WriteDateTimeExtended(Tag, Number); break;
            default: throw new InvalidOperationException($"Cannot encode item type {Type}.");
        }
    }

    /// <summary>The binary TTLV encoding of this element.</summary>
    public byte[] ToBytes()
    {
        // Written straight into an array of the exact size: no growing buffer, no final copy.
        var bytes = new byte[EncodedLength()];
        var writer = new TtlvWriter(bytes);
        WriteTo(ref writer);
        if (writer.Overflowed || writer.BytesWritten != bytes.Length) throw new InvalidOperationException("TTLV encoded length mismatch.");
        return bytes;
    }

    /// <summary>Writes the binary TTLV encoding of this element to <paramref name="output"/> (one span of the exact size, no copy).</summary>
    public void WriteTo(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        int length = EncodedLength();
        var writer = new TtlvWriter(output.GetSpan(length)[..length]);
        WriteTo(ref writer);
        if (writer.Overflowed || writer.BytesWritten != length) throw new InvalidOperationException("TTLV encoded length mismatch.");
        output.Advance(length);
    }

    /// <summary>The length of <see cref="ToBytes"/>'s encoding: an 8-byte header plus the value padded to a multiple of 8.</summary>
    public int EncodedLength()
    {
        switch (Type)
        {
            case ItemType.Structure:
                int length = 8;
                foreach (var c in ChildList!) length = checked(length + c.EncodedLength());
                return length;
            case ItemType.TextString: return checked(8 + ((Encoding.UTF8.GetByteCount(Text) + 7) & ~7));
            case ItemType.ByteString:
            case ItemType.BigInteger: return checked(8 + ((Bytes.Length + 7) & ~7));
            default: return 16;
        }
    }

    /// <summary>Decodes one whole TTLV item. Never throws on bad input.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> input, [NotNullWhen(true)] out TtlvElement? element, out TtlvError error, out int errorOffset, int maxDepth = 32)
    {
        var reader = new TtlvReader(input, maxDepth);
        element = null;
        var stack = new Stack<TtlvElement>();
        while (reader.Read())
        {
            switch (reader.Token)
            {
                case TtlvToken.StartStructure:
                    var s = new TtlvElement(reader.Tag, ItemType.Structure);
                    if (stack.Count > 0) stack.Peek().Children.Add(s);
                    stack.Push(s);
                    break;
                case TtlvToken.EndStructure:
                    element = stack.Pop();
                    break;
                case TtlvToken.Value:
                    var v = FromReader(ref reader);
                    if (stack.Count > 0) stack.Peek().Children.Add(v);
                    else element = v;
                    break;
            }
        }
        error = reader.Error;
        errorOffset = reader.ErrorOffset;
        if (error == TtlvError.None && !reader.IsComplete) { error = TtlvError.Truncated; errorOffset = reader.Position; }
        if (error != TtlvError.None) element = null;
        return error == TtlvError.None;
    }

    /// <summary>Decodes one whole TTLV item; throws <see cref="FormatException"/> on bad input (tests and tools).</summary>
    public static TtlvElement Decode(ReadOnlySpan<byte> input)
    {
        if (TryDecode(input, out var e, out var error, out var offset)) return e;
        throw new FormatException($"Invalid TTLV: {error} at offset {offset}.");
    }

    private static TtlvElement FromReader(ref TtlvReader reader)
    {
        var tag = reader.Tag;
        return reader.Type switch
        {
            ItemType.Integer => Integer(tag, reader.GetInt32()),
            ItemType.LongInteger => LongInteger(tag, reader.GetInt64()),
            ItemType.BigInteger => BigIntegerRaw(tag, reader.ValueSpan.ToArray()),
            ItemType.Enumeration => Enumeration(tag, reader.GetUInt32()),
            ItemType.Boolean => Boolean(tag, reader.GetBoolean()),
            ItemType.TextString => TextString(tag, Encoding.UTF8.GetString(reader.ValueSpan)),
            ItemType.ByteString => ByteString(tag, reader.ValueSpan.ToArray()),
            ItemType.DateTime => DateTime(tag, reader.GetInt64()),
            ItemType.Interval => Interval(tag, reader.GetUInt32()),
            ItemType.DateTimeExtended => DateTimeExtended(tag, reader.GetInt64()),
            _ => throw new InvalidOperationException("unreachable: the reader validated the type"),
        };
    }

    // ---- equality and display ----

    /// <summary>Deep equality: tag, type, value and children in order.</summary>
    public bool DeepEquals(TtlvElement? other)
    {
        if (other is null || other.Tag != Tag || other.Type != Type) return false;
        switch (Type)
        {
            case ItemType.Structure:
                if (other.Children.Count != Children.Count) return false;
                for (int i = 0; i < Children.Count; i++)
                    if (!Children[i].DeepEquals(other.Children[i])) return false;
                return true;
            case ItemType.TextString: return string.Equals(Text, other.Text, StringComparison.Ordinal);
            case ItemType.ByteString or ItemType.BigInteger: return Bytes.AsSpan().SequenceEqual(other.Bytes);
            default: return Number == other.Number;
        }
    }

    /// <summary>An indented one-item-per-line dump (names from the tag table), for messages and debugging.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        Dump(sb, 0);
        return sb.ToString();
    }

    private void Dump(StringBuilder sb, int indent)
    {
        sb.Append(' ', indent * 2).Append(KmipNames.TagName(Tag)).Append(' ').Append(Type);
        switch (Type)
        {
            case ItemType.Structure:
                sb.Append('\n');
                foreach (var c in Children) c.Dump(sb, indent + 1);
                return;
            case ItemType.TextString: sb.Append(" '").Append(Text).Append('\''); break;
            case ItemType.ByteString or ItemType.BigInteger: sb.Append(' ').Append(Convert.ToHexString(Bytes)); break;
            default: sb.Append(' ').Append(Number.ToString(CultureInfo.InvariantCulture)); break;
        }
        sb.Append('\n');
    }
}
