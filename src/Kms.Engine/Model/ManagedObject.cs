using System.Runtime.InteropServices;
using Kms.Engine.Access;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Model;

/// <summary>
/// One attribute instance in the engine's single internal model: the attribute as a KMIP 2.x tagged item
/// (<c>CryptographicAlgorithm</c> Enumeration, <c>Name</c> Structure, …; a vendor attribute is the 2.x
/// <c>Attribute</c> Structure {Vendor Identification, Attribute Name, Attribute Value}), plus its 1.x
/// Attribute Index, which never changes once assigned (KMIP 1.4 §2.1.1). A value (a new key has ~20 of them: a struct
/// keeps them inside the object's list instead of one allocation each); <c>default</c> has no Value and is never stored.
/// </summary>
internal readonly record struct AttributeEntry
{
    private readonly TtlvElement _value;

    public AttributeEntry(TtlvElement value, int index)
    {
        _value = value;
        Tag = value.Tag;
        Index = index;
    }

    public TtlvElement Value
    {
        get => _value;
        init
        {
            _value = value;
            Tag = value.Tag;
        }
    }

    public int Index { get; init; }

    /// <summary>The value's tag, kept beside it (in the struct's padding): lookups scan tags without reading each value.</summary>
    public Tag Tag { get; private init; }

    public AttributeKey Key => AttributeKey.Of(Value);
}

/// <summary>The identity of an attribute: its tag, or (vendor, name) for a vendor/custom attribute.</summary>
internal readonly record struct AttributeKey(Tag Tag, string? Vendor, string? Name)
{
    public static AttributeKey Of(TtlvElement value)
    {
        if (value.Tag != Tag.Attribute) return new(value.Tag, null, null);
        return new(Tag.Attribute, value.Find(Tag.VendorIdentification)?.Text ?? "", value.Find(Tag.AttributeName)?.Text ?? "");
    }

    public static AttributeKey ForVendor(string vendor, string name) => new(Tag.Attribute, vendor, name);

    public override string ToString() => Tag == Tag.Attribute ? $"{Vendor}:{Name}" : KmipNames.TagName(Tag);
}

/// <summary>
/// A managed object (KMIP 2.1 §2): the object structure as received (Symmetric Key, Public Key, Private
/// Key, Secret Data, Certificate, Opaque Object; key blocks kept with their Key Format Type and key
/// material bytes or TTLV structure), its attributes, owner, user tags and grants. Mutable while an
/// operation works on its private copy; the store only ever sees serialized snapshots.
/// </summary>
internal sealed class ManagedObject
{
    public required string Id { get; init; }
    public required ObjectType ObjectType { get; init; }
    public required string Owner { get; init; }

    /// <summary>The object structure (tag = the object type's tag), or null once destroyed.</summary>
    public TtlvElement? Value { get; set; }

    // A new key has ~20 attributes: room for them up front instead of four growth copies.
    public List<AttributeEntry> Attributes { get; } = new(24);

    // The tag sets and grants are made on first use: most objects have none (a new key costs three collections less).
    // Readers that must not allocate (a cached object is shared by every reader) use the counts and lookups below.
    private SortedSet<string>? _userTags;
    private SortedSet<string>? _systemTags;
    private SortedDictionary<string, Permission>? _grants;

    /// <summary>User tags (never start with '_').</summary>
    public SortedSet<string> UserTags => _userTags ??= new(StringComparer.Ordinal);

    /// <summary>
    /// Server-set tags beyond <see cref="SystemTag"/> (overview: <c>_cert_uid=&lt;id&gt;</c> on keys linked to a
    /// certificate, <c>_cert_spki=&lt;hash&gt;</c> and <c>_cert_ca=&lt;CN&gt;</c> on certificates). They start with '_',
    /// so clients can neither set nor remove them; Locate matches them like user tags.
    /// </summary>
    public SortedSet<string> SystemTags => _systemTags ??= new(StringComparer.Ordinal);

    /// <summary>The number of <see cref="UserTags"/> (without making the set).</summary>
    public int UserTagCount => _userTags?.Count ?? 0;

    /// <summary>The number of <see cref="SystemTags"/> (without making the set).</summary>
    public int SystemTagCount => _systemTags?.Count ?? 0;

    /// <summary>Whether the object carries <paramref name="tag"/> (user, type or system tag).</summary>
    public bool HasTag(string tag) => (_userTags?.Contains(tag) ?? false) || (_systemTags?.Contains(tag) ?? false)
        || string.Equals(SystemTag, tag, StringComparison.Ordinal);

    /// <summary>Grants to non-owners: user (or "*") → permissions.</summary>
    public SortedDictionary<string, Permission> Grants => _grants ??= new(StringComparer.Ordinal);

    /// <summary>The number of <see cref="Grants"/> entries (without making the dictionary).</summary>
    public int GrantCount => _grants?.Count ?? 0;

    /// <summary>The permissions granted to <paramref name="user"/> itself (not through "*"); None when none.</summary>
    public Permission GrantOf(string user) => _grants is { } g && g.TryGetValue(user, out var p) ? p : Permission.None;

    /// <summary>True between Archive and Recover.</summary>
    public bool Archived { get; set; }

    /// <summary>Store version this copy was read at (0 for a new object).</summary>
    public long Version { get; set; }

    /// <summary>Store creation order (0 for a new object).</summary>
    public long Sequence { get; set; }

    // ---- attribute access ----

    // The attribute scans run over the list's span (no version or bounds checks per entry): Finish alone makes ~25 of them.
    public TtlvElement? Get(Tag tag)
    {
        foreach (ref readonly var a in CollectionsMarshal.AsSpan(Attributes)) if (a.Tag == tag) return a.Value;
        return null;
    }

    public IEnumerable<AttributeEntry> All(AttributeKey key)
    {
        foreach (var a in Attributes) if (Matches(a, key)) yield return a;
    }

    public bool Has(AttributeKey key) => IndexOf(key, 0) >= 0;

    /// <summary>Replaces every instance of <paramref name="value"/>'s attribute with this single value (index 0).</summary>
    public void SetSingle(TtlvElement value)
    {
        var key = AttributeKey.Of(value);
        var entry = new AttributeEntry(value, 0);
        // The first instance's position is kept; the others are removed (no delegates: this runs ~15 times per Create,
        // nearly always for an attribute the object does not have yet, or has once).
        int at = IndexOf(key, 0);
        if (at < 0)
        {
            Attributes.Add(entry);
            return;
        }
        CollectionsMarshal.AsSpan(Attributes)[at] = entry;
        int next = IndexOf(key, at + 1);
        if (next < 0) return;
        int kept = next;
        for (int i = next + 1; i < Attributes.Count; i++)
        {
            var a = Attributes[i];
            if (!Matches(a, key)) Attributes[kept++] = a;
        }
        Attributes.RemoveRange(kept, Attributes.Count - kept);
    }

    /// <summary>Adds an instance with the next free index (1.x indices are never reused while an instance holds them).</summary>
    public AttributeEntry AddInstance(TtlvElement value)
    {
        var key = AttributeKey.Of(value);
        int next = 0;
        foreach (ref readonly var a in CollectionsMarshal.AsSpan(Attributes)) if (a.Index >= next && Matches(a, key)) next = a.Index + 1;
        var entry = new AttributeEntry(value, next);
        Attributes.Add(entry);
        return entry;
    }

    // The first instance of key's attribute at or after start, or -1.
    private int IndexOf(AttributeKey key, int start)
    {
        var entries = CollectionsMarshal.AsSpan(Attributes);
        if (key.Tag != Tag.Attribute)
        {
            // A tagged attribute's key has no vendor or name: one with them matches nothing (as a.Key == key would).
            if (key.Vendor is not null || key.Name is not null) return -1;
            for (int i = start; i < entries.Length; i++) if (entries[i].Tag == key.Tag) return i;
            return -1;
        }
        for (int i = start; i < entries.Length; i++) if (Matches(entries[i], key)) return i;
        return -1;
    }

    // a.Key == key, without making a's key unless both are vendor attributes (a tagged attribute's key has no vendor or name).
    private static bool Matches(in AttributeEntry a, AttributeKey key)
        => a.Tag == key.Tag && (key.Tag == Tag.Attribute ? a.Key == key : key.Vendor is null && key.Name is null);

    public void Remove(Tag tag) => Attributes.RemoveAll(a => a.Tag == tag);

    public State StoredState => Get(Tag.State) is { } s ? (State)s.UInt32 : State.PreActive;

    public long? Date(Tag tag) => Get(tag)?.Number;

    public CryptographicUsageMask UsageMask => Get(Tag.CryptographicUsageMask) is { } m ? (CryptographicUsageMask)(uint)m.Int32 : 0;

    public bool IsDestroyed => StoredState is State.Destroyed or State.DestroyedCompromised;

    /// <summary>The system tag of the object type (overview: `_kk`, `_sk`, `_pk`, `_cert`, `_sd`, `_oo`).</summary>
    public string SystemTag => SystemTagOf(ObjectType);

    /// <summary>The system tag of <paramref name="type"/> (see <see cref="SystemTag"/>).</summary>
    public static string SystemTagOf(ObjectType type) => type switch
    {
        ObjectType.SymmetricKey => "_kk",
        ObjectType.PrivateKey => "_sk",
        ObjectType.PublicKey => "_pk",
        ObjectType.Certificate => "_cert",
        ObjectType.SecretData => "_sd",
        ObjectType.OpaqueObject => "_oo",
        _ => "_obj",
    };

    /// <summary>The object structure's tag for an object type (KMIP 2.1 §2.2).</summary>
    public static Tag ValueTag(ObjectType type) => type switch
    {
        ObjectType.SymmetricKey => Tag.SymmetricKey,
        ObjectType.PublicKey => Tag.PublicKey,
        ObjectType.PrivateKey => Tag.PrivateKey,
        ObjectType.SecretData => Tag.SecretData,
        ObjectType.Certificate => Tag.Certificate,
        ObjectType.OpaqueObject => Tag.OpaqueObject,
        ObjectType.SplitKey => Tag.SplitKey,
        ObjectType.PGPKey => Tag.PGPKey,
        _ => Tag.None,
    };

    /// <summary>Whether <paramref name="user"/> holds <paramref name="permission"/> directly or through "*".</summary>
    public bool IsGranted(string user, Permission permission)
        => (GrantOf(user) & permission) != 0 || (GrantOf(AccessControl.Everyone) & permission) != 0;
}
