using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Kms.Ttlv.Text;
using Kms.Ttlv.Tree;

namespace Kms.Ttlv.Json;

/// <summary>
/// The KMIP JSON encoding of TTLV (Profiles 2.1 §5.5; spec.md §7), both directions:
/// <c>{"tag":"Create","type":"Structure","value":[…]}</c>. Tags by name or <c>0x42XXXX</c>/<c>0x54XXXX</c>
/// hex, Enumerations and masks by name, hex Byte Strings, <c>0x…</c> Long Integers beyond 2^52, RFC 3339
/// Date-Times. Used at the HTTP edge and by tools; not a hot path.
/// </summary>
public static class KmipJson
{
    private static readonly JsonWriterOptions s_compact = new() { SkipValidation = true };
    private static readonly EnumInfo s_operations = KmipNames.FindEnumeration("Operation") ?? throw new InvalidOperationException("no Operation enumeration");

    /// <summary>Parses one TTLV item from UTF-8 JSON. Throws <see cref="FormatException"/> (only) on bad input.</summary>
    public static TtlvElement Parse(ReadOnlySpan<byte> utf8Json, TtlvLimits? limits = null)
    {
        if (TryParse(utf8Json, out var element, out var error, limits)) return element;
        throw new FormatException(error);
    }

    /// <summary>Parses one TTLV item from JSON text. Throws <see cref="FormatException"/> (only) on bad input.</summary>
    public static TtlvElement Parse(string json, TtlvLimits? limits = null)
    {
        if (TryParse(json, out var element, out var error, limits)) return element;
        throw new FormatException(error);
    }

    /// <summary>Parses one TTLV item from JSON text. Never throws on bad input.</summary>
    public static bool TryParse(string json, [NotNullWhen(true)] out TtlvElement? element, [NotNullWhen(false)] out string? error, TtlvLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        limits ??= TtlvLimits.Default;
        if (json.Length > limits.MaxTextSize)
        {
            element = null;
            error = $"JSON document longer than {limits.MaxTextSize} characters";
            return false;
        }
        byte[]? rented = null;
        try
        {
            int max = Encoding.UTF8.GetMaxByteCount(json.Length);
            rented = ArrayPool<byte>.Shared.Rent(max);
            int n = Encoding.UTF8.GetBytes(json, rented);
            return TryParse(rented.AsSpan(0, n), out element, out error, limits);
        }
        finally
        {
            // The document may carry key material.
            if (rented is not null)
            {
                rented.AsSpan().Clear();
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// Parses one TTLV item from UTF-8 JSON. Never throws on bad input: on failure <paramref name="error"/>
    /// says what is wrong and at which byte.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> utf8Json, [NotNullWhen(true)] out TtlvElement? element, [NotNullWhen(false)] out string? error, TtlvLimits? limits = null)
        => TryParseCore(utf8Json, allowBareOperation: false, out element, out _, out error, limits);

    /// <summary>
    /// Parses a <c>/kmip/2_1</c> request body (issue 5): either a whole TTLV item (a RequestMessage) or a
    /// bare operation whose top-level tag is an Operation name, <c>{"tag":"Create","type":"Structure","value":[…]}</c>
    /// (the Cosmian KMS JSON form). For a bare operation, <paramref name="operation"/> is set and
    /// <paramref name="element"/> is the operation's <see cref="Tag.RequestPayload"/>. Never throws on bad input.
    /// </summary>
    public static bool TryParseRequest(ReadOnlySpan<byte> utf8Json, [NotNullWhen(true)] out TtlvElement? element, out Operation? operation, [NotNullWhen(false)] out string? error, TtlvLimits? limits = null)
        => TryParseCore(utf8Json, allowBareOperation: true, out element, out operation, out error, limits);

    private static bool TryParseCore(ReadOnlySpan<byte> utf8Json, bool allowBareOperation, [NotNullWhen(true)] out TtlvElement? element, out Operation? operation, [NotNullWhen(false)] out string? error, TtlvLimits? limits)
    {
        limits ??= TtlvLimits.Default;
        element = null;
        operation = null;
        if (utf8Json.Length > limits.MaxTextSize)
        {
            error = $"JSON document larger than {limits.MaxTextSize} bytes";
            return false;
        }
        // Each TTLV level is an object and an array; our own depth check comes first.
        var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { MaxDepth = 2 * limits.MaxDepth + 4 });
        try
        {
            var parser = new Parser(limits, allowBareOperation);
            Next(ref reader);
            var result = parser.ReadElement(ref reader, null, 1);
            if (reader.Read()) TextValues.Fail("content after the top-level TTLV object");
            element = result;
            operation = parser.BareOperation;
            error = null;
            return true;
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException or ArgumentException or OverflowException)
        {
            error = $"invalid KMIP JSON at byte {reader.TokenStartIndex}: {e.Message}";
            return false;
        }
    }

    /// <summary>
    /// Writes the answer to a bare <c>/kmip/2_1</c> operation: <paramref name="responsePayload"/>'s children
    /// under the tag <c>{Operation}Response</c>, <c>{"tag":"CreateResponse","type":"Structure","value":[…]}</c>.
    /// </summary>
    public static void WriteBareOperationResponse(Utf8JsonWriter writer, Operation operation, TtlvElement responsePayload)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(responsePayload);
        var name = s_operations.TryGetName((uint)operation, out var n) ? n : throw new ArgumentOutOfRangeException(nameof(operation), operation, "not a named operation");
        writer.WriteStartObject();
        writer.WriteString("tag"u8, name + "Response");
        writer.WriteString("type"u8, "Structure"u8);
        writer.WriteStartArray("value"u8);
        for (int i = 0; i < responsePayload.Children.Count; i++) WriteElement(writer, responsePayload.Children[i], responsePayload.Children, i);
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>The compact JSON text of <paramref name="element"/>.</summary>
    public static string Serialize(TtlvElement element)
    {
        var output = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(output, s_compact)) Write(writer, element);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    /// <summary>Writes <paramref name="element"/> as a JSON TTLV object.</summary>
    public static void Write(Utf8JsonWriter writer, TtlvElement element)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(element);
        WriteElement(writer, element, null, 0);
    }

    private static void WriteElement(Utf8JsonWriter w, TtlvElement e, List<TtlvElement>? siblings, int index)
    {
        w.WriteStartObject();
        w.WriteString("tag"u8, KmipNames.TagName(e.Tag));
        w.WriteString("type"u8, TextValues.TypeName(e.Type));
        var names = ValueNames.Resolve(e.Tag, e.Type, siblings, index);
        switch (e.Type)
        {
            case ItemType.Structure:
                w.WriteStartArray("value"u8);
                for (int i = 0; i < e.Children.Count; i++) WriteElement(w, e.Children[i], e.Children, i);
                w.WriteEndArray();
                break;
            case ItemType.Integer:
                if (names.Mask is { } mask && e.Int32 != 0) w.WriteString("value"u8, TextValues.FormatMask(e.Int32, mask, '|'));
                else w.WriteNumber("value"u8, e.Int32);
                break;
            case ItemType.LongInteger or ItemType.DateTimeExtended:
                if (e.Number > -TextValues.JsonSafeInteger && e.Number < TextValues.JsonSafeInteger) w.WriteNumber("value"u8, e.Number);
                else w.WriteString("value"u8, TextValues.Hex64(e.Number));
                break;
            case ItemType.BigInteger:
                w.WriteString("value"u8, "0x" + Convert.ToHexString(e.Bytes));
                break;
            case ItemType.Enumeration:
                w.WriteString("value"u8, TextValues.FormatEnumeration(e.UInt32, names));
                break;
            case ItemType.Boolean:
                w.WriteBoolean("value"u8, e.Bool);
                break;
            case ItemType.TextString:
                w.WriteString("value"u8, e.Text);
                break;
            case ItemType.ByteString:
                w.WriteString("value"u8, Convert.ToHexString(e.Bytes));
                break;
            case ItemType.DateTime:
                w.WriteString("value"u8, TextValues.FormatDateTime(e.Number));
                break;
            case ItemType.Interval:
                w.WriteNumber("value"u8, e.UInt32);
                break;
            default:
                throw new InvalidOperationException($"Cannot encode item type {e.Type}.");
        }
        w.WriteEndObject();
    }

    private static void Next(ref Utf8JsonReader reader)
    {
        if (!reader.Read()) TextValues.Fail("unexpected end of JSON");
    }

    /// <summary>Parse state: the limits and the item count so far.</summary>
    private sealed class Parser(TtlvLimits limits, bool allowBareOperation)
    {
        private int _items;

        /// <summary>The operation named by a bare top-level tag, when that was allowed and found.</summary>
        public Operation? BareOperation { get; private set; }

        /// <summary>
        /// Reads one TTLV object; the reader is on its StartObject and is left on its EndObject.
        /// <paramref name="siblings"/> holds the items before it in its structure (enumeration context).
        /// </summary>
        public TtlvElement ReadElement(ref Utf8JsonReader r, List<TtlvElement>? siblings, int depth)
        {
            if (r.TokenType != JsonTokenType.StartObject) TextValues.Fail("expected a TTLV object {\"tag\":…,\"type\":…,\"value\":…}");
            if (++_items > limits.MaxItems) TextValues.Fail($"more than {limits.MaxItems} items");
            string? tagText = null, typeText = null;
            bool hasName = false, hasValue = false;
            JsonTokenType valueKind = JsonTokenType.None;
            string? scalar = null;
            // A slice of the input document: Utf8JsonReader over a span never copies a number token.
            ReadOnlySpan<byte> number = default;
            List<TtlvElement>? children = null;
            while (true)
            {
                Next(ref r);
                if (r.TokenType == JsonTokenType.EndObject) break;
                if (r.ValueTextEquals("tag"u8))
                {
                    if (tagText is not null) TextValues.Fail("duplicate \"tag\"");
                    tagText = ReadString(ref r, "tag");
                }
                else if (r.ValueTextEquals("type"u8))
                {
                    if (typeText is not null) TextValues.Fail("duplicate \"type\"");
                    typeText = ReadString(ref r, "type");
                }
                else if (r.ValueTextEquals("name"u8))
                {
                    if (hasName) TextValues.Fail("duplicate \"name\"");
                    hasName = true;
                    ReadString(ref r, "name");
                }
                else if (r.ValueTextEquals("value"u8))
                {
                    if (hasValue) TextValues.Fail("duplicate \"value\"");
                    hasValue = true;
                    Next(ref r);
                    valueKind = r.TokenType;
                    switch (valueKind)
                    {
                        case JsonTokenType.StartArray:
                            if (depth > limits.MaxDepth) TextValues.Fail($"structures nested deeper than {limits.MaxDepth}");
                            children = [];
                            while (true)
                            {
                                Next(ref r);
                                if (r.TokenType == JsonTokenType.EndArray) break;
                                children.Add(ReadElement(ref r, children, depth + 1));
                            }
                            break;
                        case JsonTokenType.String:
                            scalar = r.GetString();
                            break;
                        case JsonTokenType.Number:
                            number = r.ValueSpan;
                            break;
                        case JsonTokenType.True or JsonTokenType.False or JsonTokenType.Null:
                            break;
                        default:
                            TextValues.Fail("\"value\" must be an array, a string, a number, a boolean or null");
                            break;
                    }
                }
                else
                {
                    TextValues.Fail($"unknown property \"{TextValues.Shown(r.GetString())}\"");
                }
            }

            if (tagText is null) TextValues.Fail("missing \"tag\"");
            Tag tag;
            if (depth == 1 && allowBareOperation && KmipNames.FindTag(tagText) is null && s_operations.TryGetValue(tagText, out var op))
            {
                BareOperation = (Operation)op;
                tag = Tag.RequestPayload;
            }
            else
            {
                tag = TextValues.ParseTag(tagText);
            }
            ItemType type;
            if (typeText is not null) type = TextValues.ParseType(typeText);
            else if (children is not null || valueKind is JsonTokenType.None or JsonTokenType.Null) type = ItemType.Structure;
            else return TextValues.Fail<TtlvElement>($"missing \"type\" for {TextValues.Shown(tagText)}");
            if (depth == 1 && BareOperation is not null && type != ItemType.Structure) TextValues.Fail($"operation {TextValues.Shown(tagText)} must be a Structure");

            if (type == ItemType.Structure)
            {
                if (children is null && valueKind is not (JsonTokenType.None or JsonTokenType.Null))
                    TextValues.Fail($"the value of Structure {TextValues.Shown(tagText)} must be an array or null");
                if (children is null && depth > limits.MaxDepth) TextValues.Fail($"structures nested deeper than {limits.MaxDepth}");
                return TtlvElement.Structure(tag, children ?? []);
            }
            if (valueKind is JsonTokenType.None or JsonTokenType.Null) TextValues.Fail($"missing value for {TextValues.Shown(tagText)}");
            if (children is not null) TextValues.Fail($"an array is only valid for a Structure, not {TextValues.Shown(typeText)} {TextValues.Shown(tagText)}");
            var names = ValueNames.Resolve(tag, type, siblings, siblings?.Count ?? 0);
            return valueKind switch
            {
                JsonTokenType.String => TextValues.Parse(tag, type, scalar!, names),
                JsonTokenType.Number => FromNumber(tag, type, number),
                _ => type == ItemType.Boolean
                    ? TtlvElement.Boolean(tag, valueKind == JsonTokenType.True)
                    : TextValues.Fail<TtlvElement>($"a boolean is not a valid {TextValues.Shown(typeText)} value"),
            };
        }

        private static string ReadString(ref Utf8JsonReader r, string property)
        {
            Next(ref r);
            if (r.TokenType != JsonTokenType.String) TextValues.Fail($"\"{property}\" must be a string");
            return r.GetString()!;
        }

        private static TtlvElement FromNumber(Tag tag, ItemType type, ReadOnlySpan<byte> number)
        {
            const NumberStyles Signed = NumberStyles.AllowLeadingSign;
            var inv = CultureInfo.InvariantCulture;
            switch (type)
            {
                case ItemType.Integer when int.TryParse(number, Signed, inv, out var i): return TtlvElement.Integer(tag, i);
                case ItemType.LongInteger when long.TryParse(number, Signed, inv, out var l): return TtlvElement.LongInteger(tag, l);
                case ItemType.DateTimeExtended when long.TryParse(number, Signed, inv, out var l): return TtlvElement.DateTimeExtended(tag, l);
                case ItemType.DateTime when long.TryParse(number, Signed, inv, out var l): return TtlvElement.DateTime(tag, l);
                case ItemType.Enumeration when uint.TryParse(number, NumberStyles.None, inv, out var u): return TtlvElement.Enumeration(tag, u);
                case ItemType.Interval when uint.TryParse(number, NumberStyles.None, inv, out var u): return TtlvElement.Interval(tag, u);
                case ItemType.BigInteger: return TtlvElement.BigIntegerRaw(tag, TextValues.BigIntegerFromDecimal(Encoding.UTF8.GetString(number)));
                default: return TextValues.Fail<TtlvElement>($"number out of range or not valid for {TextValues.TypeName(type)}");
            }
        }
    }
}
