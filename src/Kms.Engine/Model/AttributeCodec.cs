using System.Text.Json;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Model;

/// <summary>
/// Converts attributes between the wire forms and the internal model (2.x tagged items) at the edge.
/// 1.x: Template-Attribute / Attribute {Attribute Name, Attribute Index, Attribute Value} (KMIP 1.4 §2.1.1,
/// custom attributes named <c>x-…</c>/<c>y-…</c>); 2.x: Attributes / Attribute Reference / Vendor
/// Attribute {Vendor Identification, Attribute Name, Attribute Value} (KMIP 2.1 §2.1, Table 150).
/// </summary>
internal static class AttributeCodec
{
    /// <summary>The vendor of the user-tag attribute sent by /kmip/2_1 clients.</summary>
    public const string TagVendor = "cosmian";
    /// <summary>The attribute name of the user-tag attribute; its value is a JSON array of strings.</summary>
    public const string TagAttributeName = "tag";
    private const int MaxTags = 64;
    private const int MaxTagLength = 256;

    /// <summary>An attribute read from a request: the internal value and the 1.x index the client gave, if any.</summary>
    public readonly record struct Incoming(TtlvElement Value, int? Index);

    /// <summary>The attributes of a Create/Register/Locate payload, whatever the version's form.</summary>
    public static List<Incoming> ReadAttributes(TtlvElement payload, KmipVersion version)
    {
        var list = new List<Incoming>();
        if (version.Major >= 2)
        {
            if (payload.Find(Tag.Attributes) is { } attrs)
                foreach (var a in attrs.Children) list.Add(new(FromV2(a), null));
            return list;
        }
        foreach (var c in payload.Children)
        {
            if (c.Tag == Tag.TemplateAttribute)
            {
                foreach (var a in c.FindAll(Tag.Attribute)) list.Add(FromV1(a));
            }
            else if (c.Tag == Tag.Attribute) list.Add(FromV1(c));
        }
        return list;
    }

    /// <summary>A 1.x Attribute {Name, Index, Value} to the internal form.</summary>
    public static Incoming FromV1(TtlvElement attribute)
    {
        if (attribute.Type != ItemType.Structure) throw KmipFault.Invalid("Attribute must be a structure");
        var name = attribute.Find(Tag.AttributeName);
        var value = attribute.Find(Tag.AttributeValue);
        if (name is not { Type: ItemType.TextString } || value is null) throw KmipFault.Invalid("Attribute needs Attribute Name and Attribute Value");
        var index = attribute.Find(Tag.AttributeIndex);
        int? idx = index is { Type: ItemType.Integer } ? index.Int32 : null;
        if (idx < 0) throw KmipFault.Invalid("Negative Attribute Index");
        return new(FromV1Value(name.Text, value), idx);
    }

    /// <summary>A 1.x attribute name plus value to the internal form.</summary>
    public static TtlvElement FromV1Value(string name, TtlvElement value)
    {
        if (TryVendorFromV1Name(name, out var vendor, out var vname))
            return Vendor(vendor, vname, value);
        if (!KmipNames.TryGetTagBySpecName(name, out var tag) || !AttributeRules.IsKnown(tag))
            throw new KmipFault(ResultReason.UnsupportedAttribute, "Unknown attribute name", ResultReason.InvalidField);
        return value.WithTag(tag);
    }

    /// <summary>An attribute key from a 1.x Attribute Name.</summary>
    public static AttributeKey KeyFromV1Name(string name)
    {
        if (TryVendorFromV1Name(name, out var vendor, out var vname)) return AttributeKey.ForVendor(vendor, vname);
        if (!KmipNames.TryGetTagBySpecName(name, out var tag) || !AttributeRules.IsKnown(tag))
            throw new KmipFault(ResultReason.UnsupportedAttribute, "Unknown attribute name", ResultReason.InvalidField);
        return new AttributeKey(tag, null, null);
    }

    /// <summary>
    /// The object's own key for a key parsed from a 1.x name: a 2.x vendor attribute (acme, color) is
    /// named <c>x-acme-color</c> in 1.x, which parses back as (x, acme-color); match it by 1.x name.
    /// </summary>
    public static AttributeKey ResolveV1Key(ManagedObject obj, AttributeKey parsed)
    {
        if (parsed.Tag != Tag.Attribute) return parsed;
        var wanted = V1NameOfVendor(parsed.Vendor!, parsed.Name!);
        foreach (var a in obj.Attributes)
        {
            if (a.Tag != Tag.Attribute) continue;
            var k = a.Key;
            if (string.Equals(V1NameOfVendor(k.Vendor!, k.Name!), wanted, StringComparison.Ordinal)) return k;
        }
        return parsed;
    }

    /// <summary>A 2.x attribute item (tagged, or a Vendor Attribute structure) to the internal form.</summary>
    public static TtlvElement FromV2(TtlvElement item)
    {
        if (item.Tag == Tag.Attribute)
        {
            var vendor = item.Find(Tag.VendorIdentification);
            var name = item.Find(Tag.AttributeName);
            var value = item.Find(Tag.AttributeValue);
            if (vendor is not { Type: ItemType.TextString } || name is not { Type: ItemType.TextString } || value is null)
                throw new KmipFault(ResultReason.InvalidAttribute, "Vendor attribute needs Vendor Identification, Attribute Name and Attribute Value");
            return Vendor(vendor.Text, name.Text, value);
        }
        if (!AttributeRules.IsKnown(item.Tag)) throw new KmipFault(ResultReason.UnsupportedAttribute, "Not an attribute");
        return item;
    }

    /// <summary>A 2.x Attribute Reference (Enumeration of a tag, or {Vendor Identification, Attribute Name}).</summary>
    public static AttributeKey KeyFromReference(TtlvElement reference)
    {
        if (reference.Type == ItemType.Enumeration)
        {
            var tag = (Tag)reference.UInt32;
            if (!AttributeRules.IsKnown(tag) || tag == Tag.Attribute) throw new KmipFault(ResultReason.UnsupportedAttribute, "Unknown attribute reference");
            return new AttributeKey(tag, null, null);
        }
        if (reference.Type == ItemType.Structure
            && reference.Find(Tag.VendorIdentification) is { Type: ItemType.TextString } v
            && reference.Find(Tag.AttributeName) is { Type: ItemType.TextString } n)
            return AttributeKey.ForVendor(v.Text, n.Text);
        throw new KmipFault(ResultReason.InvalidAttribute, "Malformed attribute reference");
    }

    public static TtlvElement Vendor(string vendor, string name, TtlvElement value) => TtlvElement.Structure(Tag.Attribute,
        TtlvElement.TextString(Tag.VendorIdentification, vendor),
        TtlvElement.TextString(Tag.AttributeName, name),
        value.WithTag(Tag.AttributeValue));

    /// <summary>Whether this internal value is the user-tag vendor attribute.</summary>
    public static bool IsTagAttribute(TtlvElement value) => value.Tag == Tag.Attribute && IsTagKey(AttributeKey.Of(value));

    /// <summary>
    /// Whether <paramref name="key"/> is this server's vendor attribute <paramref name="name"/>: 2.x
    /// {<see cref="TagVendor"/>, name}, or the 1.x custom attribute <c>x-name</c> / <c>x-cosmian-name</c>.
    /// </summary>
    public static bool IsVendorAttribute(AttributeKey key, string name)
        => key.Tag == Tag.Attribute && ((key.Vendor == TagVendor && key.Name == name)
            || (key.Vendor == "x" && (key.Name == name || key.Name == TagVendor + "-" + name)));

    public static bool IsTagKey(AttributeKey key) => key.Tag == Tag.Attribute && key.Vendor == TagVendor && key.Name == TagAttributeName;

    /// <summary>Parses the JSON array of a user-tag attribute; user tags may not start with '_'.</summary>
    public static List<string> ParseTags(TtlvElement value, bool allowSystem)
    {
        var v = value.Find(Tag.AttributeValue);
        if (v is not { Type: ItemType.TextString }) throw new KmipFault(ResultReason.InvalidAttributeValue, "Tags must be a JSON array of strings");
        var tags = new List<string>();
        try
        {
            using var doc = JsonDocument.Parse(v.Text, new JsonDocumentOptions { MaxDepth = 2 });
            if (doc.RootElement.ValueKind != JsonValueKind.Array) throw new KmipFault(ResultReason.InvalidAttributeValue, "Tags must be a JSON array of strings");
            foreach (var e in doc.RootElement.EnumerateArray())
            {
                if (e.ValueKind != JsonValueKind.String) throw new KmipFault(ResultReason.InvalidAttributeValue, "Tags must be a JSON array of strings");
                var t = e.GetString()!;
                if (t.Length == 0 || t.Length > MaxTagLength) throw new KmipFault(ResultReason.InvalidAttributeValue, "Tag length out of range");
                if (!allowSystem && t.StartsWith('_')) throw new KmipFault(ResultReason.InvalidAttribute, "User tags may not start with '_'", ResultReason.InvalidField);
                tags.Add(t);
                if (tags.Count > MaxTags) throw new KmipFault(ResultReason.InvalidAttributeValue, "Too many tags");
            }
        }
        catch (JsonException)
        {
            throw new KmipFault(ResultReason.InvalidAttributeValue, "Tags must be a JSON array of strings");
        }
        return tags;
    }

    /// <summary>The user-tag vendor attribute holding <paramref name="tags"/>.</summary>
    public static TtlvElement TagsAttribute(IEnumerable<string> tags)
        => Vendor(TagVendor, TagAttributeName, TtlvElement.TextString(Tag.AttributeValue, JsonSerializer.Serialize(tags.ToArray(), TagsJsonContext.Default.StringArray)));

    // ---- output ----

    /// <summary>Whether the attribute may go to a client of <paramref name="version"/>.</summary>
    public static bool Visible(TtlvElement value, KmipVersion version)
    {
        if (value.Tag == Tag.Attribute) return true;
        if (!AttributeRules.ExistsIn(value.Tag, version)) return false;
        // Values of enumerations the version lacks (e.g. a 2.x-only algorithm) are not sent either.
        return EnumValueExists(value, version);
    }

    /// <summary>One attribute for a response: the 2.x item, or a 1.x Attribute {Name, Index, Value}.</summary>
    public static TtlvElement ToWire(AttributeEntry entry, KmipVersion version)
    {
        if (version.Major >= 2) return entry.Value;
        string name;
        TtlvElement value;
        if (entry.Tag == Tag.Attribute)
        {
            var key = entry.Key;
            name = V1NameOfVendor(key.Vendor!, key.Name!);
            value = entry.Value.Find(Tag.AttributeValue)!;
        }
        else
        {
            name = KmipNames.SpecName(entry.Tag)!;
            value = entry.Value;
        }
        var attr = TtlvElement.Structure(Tag.Attribute, TtlvElement.TextString(Tag.AttributeName, name));
        // Index 0 is the default and the 1.4 test cases leave it out.
        if (entry.Index > 0) attr.Children.Add(TtlvElement.Integer(Tag.AttributeIndex, entry.Index));
        attr.Children.Add(value.WithTag(Tag.AttributeValue));
        return attr;
    }

    /// <summary>An attribute's name for Get Attribute List: 1.x Attribute Name text, 2.x Attribute Reference.</summary>
    public static TtlvElement NameOnWire(AttributeKey key, KmipVersion version)
    {
        if (version.Major >= 2)
        {
            if (key.Tag == Tag.Attribute)
                return TtlvElement.Structure(Tag.AttributeReference,
                    TtlvElement.TextString(Tag.VendorIdentification, key.Vendor!), TtlvElement.TextString(Tag.AttributeName, key.Name!));
            return TtlvElement.Enumeration(Tag.AttributeReference, (uint)key.Tag);
        }
        return TtlvElement.TextString(Tag.AttributeName, key.Tag == Tag.Attribute ? V1NameOfVendor(key.Vendor!, key.Name!) : KmipNames.SpecName(key.Tag)!);
    }

    private static string V1NameOfVendor(string vendor, string name)
        => vendor is "x" or "y" ? vendor + "-" + name : "x-" + vendor + "-" + name;

    private static bool TryVendorFromV1Name(string name, out string vendor, out string vname)
    {
        if (name.Length > 2 && (name.StartsWith("x-", StringComparison.Ordinal) || name.StartsWith("y-", StringComparison.Ordinal)))
        {
            vendor = name[..1];
            vname = name[2..];
            return true;
        }
        vendor = vname = "";
        return false;
    }

    private static bool EnumValueExists(TtlvElement value, KmipVersion version)
    {
        if (value.Type == ItemType.Enumeration)
        {
            var info = KmipNames.EnumerationFor(value.Tag)?.Find(value.UInt32);
            return info is null || info.ExistsIn(version);
        }
        if (value.Type == ItemType.Structure)
        {
            foreach (var c in value.Children) if (!EnumValueExists(c, version)) return false;
        }
        return true;
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string[]))]
internal sealed partial class TagsJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
