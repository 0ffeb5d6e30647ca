using Kms.Ttlv.Tree;

namespace Kms.Ttlv.Text;

/// <summary>
/// Which names an Enumeration or mask Integer value uses in XML and JSON (Profiles 2.1 §5.4.1, §5.5.1).
/// Usually the enumeration of the tag itself; two tags take it from their context:
/// a 1.x <c>Attribute Value</c> uses the enumeration of the attribute its sibling <c>Attribute Name</c>
/// names ("Cryptographic Algorithm" → AES), and a 2.x <c>Attribute Reference</c> Enumeration holds a tag
/// value, named by the tag's name (KMIP 2.1 §7.4 Attribute Reference). PKCS#11 Function and Return Code
/// use <see cref="Pkcs11Names"/>.
/// </summary>
internal readonly struct ValueNames
{
    private readonly EnumInfo? _enum;
    private readonly bool _tags;

    private ValueNames(EnumInfo? info, bool tags)
    {
        _enum = info;
        _tags = tags;
    }

    /// <summary>Bit-mask names for an Integer (Cryptographic Usage Mask, …).</summary>
    public EnumInfo? Mask => _enum is { IsMask: true } ? _enum : null;

    public bool IsNone => _enum is null && !_tags;

    /// <summary>
    /// The names for an item of <paramref name="tag"/> and <paramref name="type"/> that follows the first
    /// <paramref name="precedingCount"/> items of <paramref name="siblings"/> in its structure.
    /// </summary>
    public static ValueNames Resolve(Tag tag, ItemType type, List<TtlvElement>? siblings, int precedingCount)
    {
        if (type is not (ItemType.Enumeration or ItemType.Integer)) return default;
        EnumInfo? info;
        if (tag == Tag.AttributeReference)
        {
            if (type == ItemType.Enumeration) return new ValueNames(null, tags: true);
            return default;
        }
        else if (tag == Tag.AttributeValue)
        {
            info = null;
            if (siblings is not null)
            {
                for (int i = precedingCount - 1; i >= 0; i--)
                {
                    var s = siblings[i];
                    if (s.Tag != Tag.AttributeName) continue;
                    if (s.Type == ItemType.TextString && KmipNames.TryGetTagBySpecName(s.Text, out var named) && named != Tag.AttributeValue)
                        info = KmipNames.EnumerationFor(named);
                    break;
                }
            }
        }
        else
        {
            info = KmipNames.EnumerationFor(tag) ?? tag switch
            {
                Tag.PKCS_11Function => Pkcs11Names.Function,
                Tag.PKCS_11ReturnCode => Pkcs11Names.ReturnCode,
                _ => null,
            };
        }
        if (info is null || info.IsMask != (type == ItemType.Integer)) return default;
        return new ValueNames(info, tags: false);
    }

    /// <summary>The name of an Enumeration value, when it has one.</summary>
    public bool TryGetName(uint value, out string name)
    {
        if (_tags)
        {
            var t = KmipNames.FindTag((Tag)value);
            name = t?.Name ?? "";
            return t is not null;
        }
        if (_enum is { IsMask: false }) return _enum.TryGetName(value, out name);
        name = "";
        return false;
    }

    /// <summary>The value of an Enumeration name.</summary>
    public bool TryGetValue(string name, out uint value)
    {
        if (_tags)
        {
            var t = KmipNames.FindTag(name);
            value = t is null ? 0 : (uint)t.Tag;
            return t is not null;
        }
        if (_enum is { IsMask: false }) return _enum.TryGetValue(name, out value);
        value = 0;
        return false;
    }

    /// <summary>What the names belong to, for error messages.</summary>
    public string Describe() => _tags ? "tag" : _enum is null ? "(no enumeration)" : _enum.SpecName;
}
