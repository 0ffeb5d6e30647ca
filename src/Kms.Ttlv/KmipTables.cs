using System.Collections.Frozen;

namespace Kms.Ttlv;

/// <summary>One tag of the KMIP tag table.</summary>
/// <param name="Tag">The tag value.</param>
/// <param name="Name">The KMIP XML/JSON name (Profiles 2.1 §5.4.1.1 normalisation).</param>
/// <param name="SpecName">The name as the specification writes it.</param>
/// <param name="TypeMask">Bit n set when item type n is allowed; 0 when the spec gives no encoding.</param>
/// <param name="MinVersion">First version with this tag (major&lt;&lt;4|minor).</param>
/// <param name="MaxVersion">Last version with this tag, 0xFF when still current.</param>
public sealed record TagInfo(Tag Tag, string Name, string SpecName, int TypeMask, byte MinVersion, byte MaxVersion)
{
    /// <summary>Whether this tag may carry <paramref name="type"/>.</summary>
    public bool Allows(ItemType type) => (TypeMask & (1 << (int)type)) != 0;

    /// <summary>Whether this tag exists in protocol <paramref name="version"/>.</summary>
    public bool ExistsIn(KmipVersion version) => version.Code >= MinVersion && version.Code <= MaxVersion;
}

/// <summary>One value of a KMIP enumeration or mask.</summary>
public sealed record EnumValueInfo(uint Value, string Name, string SpecName, byte MinVersion, byte MaxVersion)
{
    /// <summary>Whether this value exists in protocol <paramref name="version"/>.</summary>
    public bool ExistsIn(KmipVersion version) => version.Code >= MinVersion && version.Code <= MaxVersion;
}

/// <summary>A KMIP enumeration or bit mask with its values.</summary>
public sealed class EnumInfo
{
    private readonly FrozenDictionary<uint, EnumValueInfo> _byValue;
    private readonly FrozenDictionary<string, EnumValueInfo> _byName;

    internal EnumInfo(string specName, string typeName, bool isMask, EnumValueInfo[] values)
    {
        SpecName = specName;
        TypeName = typeName;
        IsMask = isMask;
        Values = values;
        _byValue = values.ToFrozenDictionary(v => v.Value);
        _byName = values.ToFrozenDictionary(v => v.Name, StringComparer.Ordinal);
    }

    /// <summary>The enumeration's name in the specification ("Cryptographic Algorithm").</summary>
    public string SpecName { get; }
    /// <summary>The C# type generated for it (<c>CryptographicAlgorithm</c>).</summary>
    public string TypeName { get; }
    /// <summary>True for bit masks (Cryptographic Usage Mask, Storage Status Mask, Protection Storage Mask).</summary>
    public bool IsMask { get; }
    /// <summary>Every value, in the specification's order.</summary>
    public IReadOnlyList<EnumValueInfo> Values { get; }

    public bool TryGetName(uint value, out string name)
    {
        if (_byValue.TryGetValue(value, out var info)) { name = info.Name; return true; }
        name = "";
        return false;
    }

    public bool TryGetValue(string name, out uint value)
    {
        if (_byName.TryGetValue(name, out var info)) { value = info.Value; return true; }
        value = 0;
        return false;
    }

    public EnumValueInfo? Find(uint value) => _byValue.GetValueOrDefault(value);
}

/// <summary>
/// Lookups over the generated protocol tables: tag names, enumeration names, masks and version ranges.
/// Used by the JSON/XML adapters and the version rules; never on the binary hot path.
/// </summary>
public static class KmipNames
{
    private static readonly FrozenDictionary<Tag, TagInfo> s_tagsByValue = KmipTables.Tags.ToFrozenDictionary(t => t.Tag);
    private static readonly FrozenDictionary<string, TagInfo> s_tagsByName = KmipTables.Tags.ToFrozenDictionary(t => t.Name, StringComparer.Ordinal);
    private static readonly FrozenDictionary<string, EnumInfo> s_enumsBySpecName = KmipTables.Enums.ToFrozenDictionary(e => e.SpecName, StringComparer.Ordinal);
    private static readonly FrozenDictionary<Tag, EnumInfo> s_enumByTag = BuildEnumByTag();

    /// <summary>Every tag of the table.</summary>
    public static IReadOnlyList<TagInfo> Tags => KmipTables.Tags;

    /// <summary>Every enumeration and mask.</summary>
    public static IReadOnlyList<EnumInfo> Enumerations => KmipTables.Enums;

    public static TagInfo? FindTag(Tag tag) => s_tagsByValue.GetValueOrDefault(tag);

    public static TagInfo? FindTag(string name) => s_tagsByName.GetValueOrDefault(name);

    public static EnumInfo? FindEnumeration(string specName) => s_enumsBySpecName.GetValueOrDefault(specName);

    /// <summary>
    /// The enumeration (or mask) whose names the value of <paramref name="tag"/> uses, if any: the
    /// enumeration of the same name, or the spec's alias (Linked Object Identifier → Unique Identifier, …).
    /// </summary>
    public static EnumInfo? EnumerationFor(Tag tag) => s_enumByTag.GetValueOrDefault(tag);

    /// <summary>True for the Integer tags whose value is a bit mask.</summary>
    public static bool IsMask(Tag tag) => s_enumByTag.TryGetValue(tag, out var e) && e.IsMask;

    /// <summary>True for tags in the extension range 0x540000–0x54FFFF.</summary>
    public static bool IsExtension(Tag tag) => ((uint)tag >> 16) == 0x54;

    /// <summary>A tag's XML/JSON name, or its hex form <c>0x54FFFF</c> when the table does not name it.</summary>
    public static string TagName(Tag tag) => s_tagsByValue.TryGetValue(tag, out var info) ? info.Name : FormatTagHex(tag);

    /// <summary>The hex form of a tag: <c>0x420001</c>.</summary>
    public static string FormatTagHex(Tag tag) => "0x" + ((uint)tag).ToString("X6", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Parses a tag name or its <c>0x</c> hex form. Returns false for an unknown name or a malformed hex.</summary>
    public static bool TryParseTag(string text, out Tag tag)
    {
        if (s_tagsByName.TryGetValue(text, out var info)) { tag = info.Tag; return true; }
        if (text.Length == 8 && text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            && uint.TryParse(text.AsSpan(2), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var v)
            && TtlvReader.IsValidTag(v))
        {
            tag = (Tag)v;
            return true;
        }
        tag = Tag.None;
        return false;
    }

    /// <summary>The spec name ("Cryptographic Algorithm") of a tag, used by 1.x Attribute Name.</summary>
    public static string? SpecName(Tag tag) => s_tagsByValue.TryGetValue(tag, out var info) ? info.SpecName : null;

    /// <summary>The tag whose spec name is <paramref name="specName"/> (1.x Attribute Name → tag).</summary>
    public static bool TryGetTagBySpecName(string specName, out Tag tag)
    {
        foreach (var t in KmipTables.Tags)
        {
            if (string.Equals(t.SpecName, specName, StringComparison.Ordinal)) { tag = t.Tag; return true; }
        }
        tag = Tag.None;
        return false;
    }

    private static FrozenDictionary<Tag, EnumInfo> BuildEnumByTag()
    {
        var map = new Dictionary<Tag, EnumInfo>();
        foreach (var t in KmipTables.Tags)
        {
            if (s_enumsBySpecName.TryGetValue(t.SpecName, out var e) && (e.IsMask ? t.Allows(ItemType.Integer) : t.Allows(ItemType.Enumeration)))
                map[t.Tag] = e;
        }
        foreach (var (tag, enumName) in KmipTables.TagEnumAliases)
            map[tag] = s_enumsBySpecName[enumName];
        return map.ToFrozenDictionary();
    }
}
