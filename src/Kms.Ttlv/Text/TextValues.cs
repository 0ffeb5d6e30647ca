using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Numerics;
using System.Text;
using Kms.Ttlv.Tree;

namespace Kms.Ttlv.Text;

/// <summary>
/// Item values as text, shared by the XML and JSON encodings (Profiles 2.1 §5.4.1.2 and §5.5.1.2;
/// spec.md §7). Parsers accept every form either encoding allows; formatters write the canonical one.
/// Errors are <see cref="FormatException"/>s whose text names the problem but never echoes a value
/// that could be secret (byte strings, text).
/// </summary>
internal static class TextValues
{
    /// <summary>Integers up to this magnitude are exact in a JSON (IEEE double) number (Profiles 2.1 §5.5.1.2).</summary>
    public const long JsonSafeInteger = 1L << 52;

    private static readonly long s_minUnixSeconds = DateTimeOffset.MinValue.ToUnixTimeSeconds();
    private static readonly long s_maxUnixSeconds = DateTimeOffset.MaxValue.ToUnixTimeSeconds();

    private static readonly string[] s_dateTimeFormats =
    [
        "yyyy-MM-dd'T'HH:mm:sszzz",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz",
        "yyyy-MM-dd'T'HH:mm:ss'Z'",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'",
    ];

    private static readonly SearchValues<char> s_maskSeparators = SearchValues.Create(" |\t\r\n");

    /// <summary>Input echoed in an error message, cut to a readable length.</summary>
    public static string Shown(string? text) => text is null ? "" : text.Length <= 64 ? text : string.Concat(text.AsSpan(0, 64), "…");

    [DoesNotReturn]
    public static void Fail(string message) => throw new FormatException(message);

    [DoesNotReturn]
    public static T Fail<T>(string message) => throw new FormatException(message);

    // ---- tags and types ----

    /// <summary>A tag name from the table or its <c>0x42XXXX</c>/<c>0x54XXXX</c> hex form.</summary>
    public static Tag ParseTag(string text)
    {
        if (KmipNames.TryParseTag(text, out var tag)) return tag;
        return Fail<Tag>(IsHex(text) ? $"invalid tag '{Shown(text)}': not 0x42XXXX or 0x54XXXX" : $"unknown tag name '{Shown(text)}'");
    }

    public static ItemType ParseType(string text) => text switch
    {
        "Structure" => ItemType.Structure,
        "Integer" => ItemType.Integer,
        "LongInteger" => ItemType.LongInteger,
        "BigInteger" => ItemType.BigInteger,
        "Enumeration" => ItemType.Enumeration,
        "Boolean" => ItemType.Boolean,
        "TextString" => ItemType.TextString,
        "ByteString" => ItemType.ByteString,
        "DateTime" => ItemType.DateTime,
        "Interval" => ItemType.Interval,
        "DateTimeExtended" => ItemType.DateTimeExtended,
        _ => Fail<ItemType>($"unknown item type '{Shown(text)}'"),
    };

    /// <summary>The type name, which is also the C# enum member name.</summary>
    public static string TypeName(ItemType type) => type switch
    {
        ItemType.Structure => "Structure",
        ItemType.Integer => "Integer",
        ItemType.LongInteger => "LongInteger",
        ItemType.BigInteger => "BigInteger",
        ItemType.Enumeration => "Enumeration",
        ItemType.Boolean => "Boolean",
        ItemType.TextString => "TextString",
        ItemType.ByteString => "ByteString",
        ItemType.DateTime => "DateTime",
        ItemType.Interval => "Interval",
        ItemType.DateTimeExtended => "DateTimeExtended",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "not an item type"),
    };

    // ---- parsing ----

    /// <summary>
    /// A non-Structure item from the text of its value, in any form XML or JSON (as a string) allows.
    /// </summary>
    public static TtlvElement Parse(Tag tag, ItemType type, string text, ValueNames names)
    {
        switch (type)
        {
            case ItemType.Integer:
                return TtlvElement.Integer(tag, names.Mask is { } mask ? ParseMask(text, mask) : (int)ParseUInt32Bits(text, signed: true, "Integer"));
            case ItemType.LongInteger:
                return TtlvElement.LongInteger(tag, ParseInt64(text, "LongInteger"));
            case ItemType.BigInteger:
                return TtlvElement.BigIntegerRaw(tag, ParseBigInteger(text));
            case ItemType.Enumeration:
                return TtlvElement.Enumeration(tag, ParseEnumeration(text, names));
            case ItemType.Boolean:
                return TtlvElement.Boolean(tag, ParseBoolean(text));
            case ItemType.TextString:
                return TtlvElement.TextString(tag, text);
            case ItemType.ByteString:
                return TtlvElement.ByteString(tag, ParseHexBytes(text, "ByteString"));
            case ItemType.DateTime:
                return TtlvElement.DateTime(tag, ParseDateTime(text));
            case ItemType.Interval:
                return TtlvElement.Interval(tag, ParseUInt32Bits(text, signed: false, "Interval"));
            case ItemType.DateTimeExtended:
                return TtlvElement.DateTimeExtended(tag, ParseInt64(text, "DateTimeExtended"));
            default:
                return Fail<TtlvElement>("a Structure has no value");
        }
    }

    /// <summary>True when <paramref name="text"/> starts with <c>0x</c>.</summary>
    public static bool IsHex(string text) => text.StartsWith("0x", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// <c>0x</c> and hex digits whose value fits in <paramref name="maxDigits"/> digits; leading zeros beyond
    /// that are accepted ("parsers must accept any hex", Profiles 2.1 §5.4.1.2).
    /// </summary>
    public static bool TryParseHexNumber(string text, int maxDigits, out ulong value)
    {
        value = 0;
        if (!IsHex(text) || text.Length < 3) return false;
        var digits = text.AsSpan(2);
        var significant = digits.TrimStart('0');
        if (significant.Length > maxDigits) return false;
        if (significant.IsEmpty) return true;
        return ulong.TryParse(significant, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>A 32-bit value: decimal (signed or unsigned per <paramref name="signed"/>) or <c>0x</c> hex bits.</summary>
    public static uint ParseUInt32Bits(string text, bool signed, string what)
    {
        if (TryParseHexNumber(text, 8, out var hex)) return (uint)hex;
        if (signed)
        {
            if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i)) return (uint)i;
        }
        else if (uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var u))
        {
            return u;
        }
        return Fail<uint>($"{what} value is not a {(signed ? "32-bit integer" : "32-bit unsigned integer")} (decimal or 0x hex)");
    }

    public static long ParseInt64(string text, string what)
    {
        if (TryParseHexNumber(text, 16, out var hex)) return (long)hex;
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v)) return v;
        return Fail<long>($"{what} value is not a 64-bit integer (decimal or 0x hex)");
    }

    public static bool ParseBoolean(string text)
    {
        switch (text)
        {
            case "true" or "1": return true;
            case "false" or "0": return false;
        }
        if (TryParseHexNumber(text, 16, out var v) && v <= 1) return v == 1;
        return Fail<bool>("Boolean value is not true, false or 0x0000000000000000/1");
    }

    /// <summary>An Enumeration: a name of <paramref name="names"/>, any hex, or a decimal number.</summary>
    public static uint ParseEnumeration(string text, ValueNames names)
    {
        if (TryParseHexNumber(text, 8, out var hex)) return (uint)hex;
        if (IsHex(text)) Fail($"Enumeration value '{Shown(text)}' is not a 32-bit hex number");
        if (names.TryGetValue(text, out var value)) return value;
        if (text.Length > 0 && char.IsAsciiDigit(text[0]) && uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value)) return value;
        return Fail<uint>(names.IsNone
            ? $"Enumeration value '{Shown(text)}' is not hex and this item has no enumeration names"
            : $"unknown {names.Describe()} name '{Shown(text)}'");
    }

    /// <summary>
    /// A mask Integer: a number, or names and/or hex joined by <c>|</c> (JSON) or spaces (XML).
    /// </summary>
    public static int ParseMask(string text, EnumInfo mask)
    {
        if (text.Length > 0 && (char.IsAsciiDigit(text[0]) || text[0] == '-') && !IsHex(text))
            return (int)ParseUInt32Bits(text, signed: true, mask.SpecName);
        uint bits = 0;
        int parts = 0;
        var span = text.AsSpan();
        while (span.Length > 0)
        {
            int end = span.IndexOfAny(s_maskSeparators);
            var part = end < 0 ? span : span[..end];
            span = end < 0 ? default : span[(end + 1)..];
            if (part.IsEmpty) continue;
            parts++;
            var word = part.ToString();
            if (TryParseHexNumber(word, 8, out var hex)) bits |= (uint)hex;
            else if (mask.TryGetValue(word, out var v)) bits |= v;
            else Fail($"unknown {mask.SpecName} name '{Shown(word)}'");
        }
        if (parts == 0) Fail($"empty {mask.SpecName} value");
        return (int)bits;
    }

    /// <summary>Hex digits (either case, an optional <c>0x</c>), two per byte.</summary>
    public static byte[] ParseHexBytes(string text, string what)
    {
        var digits = IsHex(text) ? text.AsSpan(2) : text.AsSpan();
        if (digits.Length % 2 != 0) Fail($"{what} value has an odd number of hex digits");
        var bytes = new byte[digits.Length / 2];
        if (Convert.FromHexString(digits, bytes, out _, out int written) != OperationStatus.Done || written != bytes.Length)
            Fail($"{what} value is not hex");
        return bytes;
    }

    /// <summary>
    /// Big Integer wire bytes from hex (XML, and JSON strings): kept as given when a multiple of 8 bytes,
    /// else sign-extended to one (KMIP 2.1 §10.1.1.4). A JSON number goes through <see cref="BigIntegerFromDecimal"/>.
    /// </summary>
    public static byte[] ParseBigInteger(string text)
    {
        var bytes = ParseHexBytes(text, "BigInteger");
        if (bytes.Length == 0) Fail("BigInteger value is empty");
        if (bytes.Length % 8 == 0) return bytes;
        var wire = new byte[(bytes.Length + 7) & ~7];
        if (bytes[0] >= 0x80) wire.AsSpan(0, wire.Length - bytes.Length).Fill(0xFF);
        bytes.CopyTo(wire, wire.Length - bytes.Length);
        return wire;
    }

    public static byte[] BigIntegerFromDecimal(string number)
    {
        if (number.Length > 4096 || !BigInteger.TryParse(number, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v))
            return Fail<byte[]>("BigInteger value is not an integer");
        return TtlvElement.BigIntegerToWire(v);
    }

    /// <summary>RFC 3339 / xsd:dateTime with a zone (fractional seconds ignored), or <c>0x</c> + 16 hex digits.</summary>
    public static long ParseDateTime(string text)
    {
        if (TryParseHexNumber(text, 16, out var hex)) return (long)hex;
        if (DateTimeOffset.TryParseExact(text, s_dateTimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var dt))
            return dt.ToUnixTimeSeconds();
        return Fail<long>("DateTime value is not an ISO 8601 date-time with a time zone (2001-01-01T10:00:00Z) or 0x hex");
    }

    // ---- formatting ----

    public static string Hex32(uint value) => "0x" + value.ToString("X8", CultureInfo.InvariantCulture);

    public static string Hex64(long value) => "0x" + value.ToString("X16", CultureInfo.InvariantCulture);

    public static string FormatEnumeration(uint value, ValueNames names) => names.TryGetName(value, out var name) ? name : Hex32(value);

    /// <summary>Mask bits as names (spec order) joined by <paramref name="separator"/>; bits without a name as one hex word.</summary>
    public static string FormatMask(int value, EnumInfo mask, char separator)
    {
        uint bits = (uint)value;
        if (bits == 0) return "0";
        var sb = new StringBuilder();
        foreach (var v in mask.Values)
        {
            if (v.Value == 0 || (bits & v.Value) != v.Value) continue;
            if (sb.Length > 0) sb.Append(separator);
            sb.Append(v.Name);
            bits &= ~v.Value;
        }
        if (bits != 0)
        {
            if (sb.Length > 0) sb.Append(separator);
            sb.Append(Hex32(bits));
        }
        return sb.ToString();
    }

    /// <summary>UTC <c>2001-01-01T10:00:00Z</c>; hex when the instant is outside years 1–9999.</summary>
    public static string FormatDateTime(long unixSeconds) =>
        unixSeconds >= s_minUnixSeconds && unixSeconds <= s_maxUnixSeconds
            ? DateTimeOffset.FromUnixTimeSeconds(unixSeconds).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            : Hex64(unixSeconds);
}
