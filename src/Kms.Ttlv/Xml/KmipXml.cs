using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Xml;
using Kms.Ttlv.Text;
using Kms.Ttlv.Tree;

namespace Kms.Ttlv.Xml;

/// <summary>
/// Supplies the value of a test-case placeholder (<c>$UNIQUE_IDENTIFIER_0</c>, <c>$NOW</c>, <c>$NOW-3600</c>, …;
/// Profiles 2.1 §4) found in a <c>value</c> attribute, as text in the XML syntax of <paramref name="type"/>.
/// Return null to keep the text as it is.
/// </summary>
public delegate string? KmipPlaceholderResolver(string placeholder, Tag tag, ItemType type);

/// <summary>
/// The KMIP XML encoding of TTLV (Profiles 2.1 §5.4; spec.md §7), both directions:
/// <c>&lt;ActivationDate type="DateTime" value="2001-01-01T10:00:00Z"/&gt;</c>, elements named after the
/// tag, <c>type</c> defaulting to Structure, the generic <c>&lt;TTLV tag="0x54FFFF" …&gt;</c> form for tags
/// outside the table, Enumerations and masks by name, hex Byte and Big Integers without <c>0x</c>. The
/// optional namespace <c>urn:oasis:tc:kmip:xmlns</c> is accepted. DTDs are refused and nothing external is
/// resolved. Used to replay the OASIS test cases and by tools; not a hot path.
/// </summary>
public static class KmipXml
{
    /// <summary>The optional KMIP XML namespace (Profiles 2.1 §5.4).</summary>
    public const string Namespace = "urn:oasis:tc:kmip:xmlns";

    private const string GenericElement = "TTLV";

    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Parses one TTLV element from XML text. Throws <see cref="FormatException"/> (only) on bad input.</summary>
    public static TtlvElement Parse(string xml, TtlvLimits? limits = null, KmipPlaceholderResolver? placeholders = null)
    {
        if (TryParse(xml, out var element, out var error, limits, placeholders)) return element;
        throw new FormatException(error);
    }

    /// <summary>Parses one TTLV element from UTF-8 XML. Throws <see cref="FormatException"/> (only) on bad input.</summary>
    public static TtlvElement Parse(ReadOnlySpan<byte> utf8Xml, TtlvLimits? limits = null, KmipPlaceholderResolver? placeholders = null)
    {
        if (TryParse(utf8Xml, out var element, out var error, limits, placeholders)) return element;
        throw new FormatException(error);
    }

    /// <summary>Parses one TTLV element from UTF-8 XML (an optional BOM is skipped). Never throws on bad input.</summary>
    public static bool TryParse(ReadOnlySpan<byte> utf8Xml, [NotNullWhen(true)] out TtlvElement? element, [NotNullWhen(false)] out string? error, TtlvLimits? limits = null, KmipPlaceholderResolver? placeholders = null)
    {
        limits ??= TtlvLimits.Default;
        element = null;
        if (utf8Xml.Length > limits.MaxTextSize)
        {
            error = $"XML document larger than {limits.MaxTextSize} bytes";
            return false;
        }
        if (utf8Xml.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) utf8Xml = utf8Xml[3..];
        string text;
        try
        {
            text = s_strictUtf8.GetString(utf8Xml);
        }
        catch (ArgumentException)
        {
            error = "invalid KMIP XML: not UTF-8";
            return false;
        }
        return TryParse(text, out element, out error, limits, placeholders);
    }

    /// <summary>
    /// Parses one TTLV element from XML text. Never throws on bad input: on failure <paramref name="error"/>
    /// says what is wrong and where.
    /// </summary>
    public static bool TryParse(string xml, [NotNullWhen(true)] out TtlvElement? element, [NotNullWhen(false)] out string? error, TtlvLimits? limits = null, KmipPlaceholderResolver? placeholders = null)
    {
        ArgumentNullException.ThrowIfNull(xml);
        limits ??= TtlvLimits.Default;
        element = null;
        if (xml.Length > limits.MaxTextSize)
        {
            error = $"XML document longer than {limits.MaxTextSize} characters";
            return false;
        }
        using var reader = CreateReader(new StringReader(xml), limits);
        try
        {
            if (reader.MoveToContent() != XmlNodeType.Element) TextValues.Fail("no element");
            var result = new Parser(limits, placeholders).ReadElement(reader, null, 1);
            while (reader.Read())
                if (reader.NodeType is not (XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace)) TextValues.Fail("content after the top-level element");
            element = result;
            error = null;
            return true;
        }
        catch (Exception e) when (IsInputError(e))
        {
            error = Describe(reader, e);
            return false;
        }
    }

    /// <summary>
    /// Reads an OASIS test-case file (Profiles 2.1 §4): a root element (<c>&lt;KMIP&gt;</c>) holding the
    /// RequestMessage and ResponseMessage elements of the case, in order. Depth and item limits apply per
    /// message; the file's own size is not bounded (test files are trusted input).
    /// Throws <see cref="FormatException"/> on bad input.
    /// </summary>
    public static List<TtlvElement> ReadTestCase(TextReader input, KmipPlaceholderResolver? placeholders = null, TtlvLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        limits ??= TtlvLimits.Default;
        using var reader = CreateReader(input, limits with { MaxTextSize = int.MaxValue });
        var messages = new List<TtlvElement>();
        try
        {
            if (reader.MoveToContent() != XmlNodeType.Element) TextValues.Fail("no root element");
            if (!reader.IsEmptyElement)
            {
                while (reader.Read())
                {
                    if (reader.NodeType == XmlNodeType.EndElement) break;
                    if (reader.NodeType == XmlNodeType.Element) messages.Add(new Parser(limits, placeholders).ReadElement(reader, null, 1));
                    else if (reader.NodeType is XmlNodeType.Text or XmlNodeType.CDATA) TextValues.Fail("text between messages");
                }
            }
            return messages;
        }
        catch (Exception e) when (IsInputError(e))
        {
            throw new FormatException(Describe(reader, e), e);
        }
    }

    /// <summary>The XML text of <paramref name="element"/>, indented, without an XML declaration.</summary>
    public static string Serialize(TtlvElement element, bool indent = true)
    {
        var sb = new StringBuilder();
        using (var writer = XmlWriter.Create(sb, new XmlWriterSettings { OmitXmlDeclaration = true, Indent = indent, NewLineHandling = NewLineHandling.Entitize }))
            Write(writer, element);
        return sb.ToString();
    }

    /// <summary>
    /// Writes <paramref name="element"/> as XML. A Text String with characters XML 1.0 cannot carry (most
    /// C0 controls) makes the writer throw <see cref="ArgumentException"/>.
    /// </summary>
    public static void Write(XmlWriter writer, TtlvElement element)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(element);
        WriteElement(writer, element, null, 0);
    }

    private static void WriteElement(XmlWriter w, TtlvElement e, List<TtlvElement>? siblings, int index)
    {
        var info = KmipNames.FindTag(e.Tag);
        if (info is null)
        {
            w.WriteStartElement(GenericElement);
            w.WriteAttributeString("tag", KmipNames.FormatTagHex(e.Tag));
        }
        else
        {
            w.WriteStartElement(info.Name);
        }
        if (e.Type == ItemType.Structure)
        {
            for (int i = 0; i < e.Children.Count; i++) WriteElement(w, e.Children[i], e.Children, i);
        }
        else
        {
            w.WriteAttributeString("type", TextValues.TypeName(e.Type));
            w.WriteAttributeString("value", FormatValue(e, ValueNames.Resolve(e.Tag, e.Type, siblings, index)));
        }
        w.WriteEndElement();
    }

    private static string FormatValue(TtlvElement e, ValueNames names) => e.Type switch
    {
        ItemType.Integer => names.Mask is { } mask ? TextValues.FormatMask(e.Int32, mask, ' ') : e.Int32.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ItemType.LongInteger or ItemType.DateTimeExtended => e.Number.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ItemType.BigInteger or ItemType.ByteString => Convert.ToHexString(e.Bytes),
        ItemType.Enumeration => TextValues.FormatEnumeration(e.UInt32, names),
        ItemType.Boolean => e.Bool ? "true" : "false",
        ItemType.TextString => e.Text,
        ItemType.DateTime => TextValues.FormatDateTime(e.Number),
        ItemType.Interval => e.UInt32.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => throw new InvalidOperationException($"Cannot encode item type {e.Type}."),
    };

    private static XmlReader CreateReader(TextReader input, TtlvLimits limits) => XmlReader.Create(input, new XmlReaderSettings
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        IgnoreWhitespace = true,
        MaxCharactersInDocument = limits.MaxTextSize,
        MaxCharactersFromEntities = 1024,
        CloseInput = false,
    });

    private static bool IsInputError(Exception e) => e is FormatException or XmlException or InvalidOperationException or ArgumentException or OverflowException;

    private static string Describe(XmlReader reader, Exception e)
    {
        var where = reader is IXmlLineInfo { } li && li.HasLineInfo() ? $" at line {li.LineNumber}, column {li.LinePosition}" : "";
        return e is XmlException ? $"invalid XML: {e.Message}" : $"invalid KMIP XML{where}: {e.Message}";
    }

    /// <summary>Parse state: limits, placeholders and the item count so far.</summary>
    private sealed class Parser(TtlvLimits limits, KmipPlaceholderResolver? placeholders)
    {
        private int _items;

        /// <summary>
        /// Reads one element; the reader is on its start tag and is left on its end tag (or on the empty
        /// element). <paramref name="siblings"/> holds the items before it in its structure.
        /// </summary>
        public TtlvElement ReadElement(XmlReader r, List<TtlvElement>? siblings, int depth)
        {
            if (++_items > limits.MaxItems) TextValues.Fail($"more than {limits.MaxItems} items");
            if (r.NamespaceURI.Length != 0 && r.NamespaceURI != Namespace) TextValues.Fail($"element <{TextValues.Shown(r.Name)}> is not in the KMIP namespace");
            string name = r.LocalName;
            Tag tag;
            if (name == GenericElement)
            {
                var tagText = r.GetAttribute("tag") ?? TextValues.Fail<string>("<TTLV> without a tag attribute");
                tag = TextValues.ParseTag(tagText);
            }
            else
            {
                tag = KmipNames.FindTag(name)?.Tag ?? TextValues.Fail<Tag>($"unknown tag name '{TextValues.Shown(name)}'");
            }
            var typeText = r.GetAttribute("type");
            var type = typeText is null ? ItemType.Structure : TextValues.ParseType(typeText);
            var value = r.GetAttribute("value");
            bool empty = r.IsEmptyElement;

            if (type == ItemType.Structure)
            {
                if (value is not null) TextValues.Fail($"Structure <{TextValues.Shown(name)}> has a value attribute");
                if (depth > limits.MaxDepth) TextValues.Fail($"structures nested deeper than {limits.MaxDepth}");
                var children = new List<TtlvElement>();
                if (!empty)
                {
                    while (r.Read())
                    {
                        if (r.NodeType == XmlNodeType.EndElement) break;
                        if (r.NodeType == XmlNodeType.Element) children.Add(ReadElement(r, children, depth + 1));
                        else if (r.NodeType is XmlNodeType.Text or XmlNodeType.CDATA) TextValues.Fail($"text inside Structure <{TextValues.Shown(name)}>");
                    }
                }
                return TtlvElement.Structure(tag, children);
            }

            if (value is null) TextValues.Fail($"<{TextValues.Shown(name)}> has no value attribute");
            if (!empty)
            {
                while (r.Read() && r.NodeType != XmlNodeType.EndElement)
                    if (r.NodeType is XmlNodeType.Element or XmlNodeType.Text or XmlNodeType.CDATA) TextValues.Fail($"{TextValues.Shown(typeText)} <{TextValues.Shown(name)}> has content");
            }
            if (placeholders is not null && value.StartsWith('$') && placeholders(value, tag, type) is { } bound) value = bound;
            return TextValues.Parse(tag, type, value, ValueNames.Resolve(tag, type, siblings, siblings?.Count ?? 0));
        }
    }
}
