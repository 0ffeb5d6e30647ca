using Kms.Engine.Access;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Model;

/// <summary>
/// One attribute instance in the engine's single internal model: the attribute as a KMIP 2.x tagged item
/// (<c>CryptographicAlgorithm</c> Enumeration, <c>Name</c> Structure, …; a vendor attribute is the 2.x
/// <c>Attribute</c> Structure {Vendor Identification, Attribute Name, Attribute Value}), plus its 1.x
/// Attribute Index, which never changes once assigned (KMIP 1.4 §2.1.1).
/// </summary>
internal sealed record AttributeEntry(TtlvElement Value, int Index)
{
    public Tag Tag => Value.Tag;
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

    /// <summary>User tags (never start with '_').</summary>
    public SortedSet<string> UserTags { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Server-set tags beyond <see cref="SystemTag"/> (overview: <c>_cert_uid=&lt;id&gt;</c> on keys linked to a
    /// certificate, <c>_cert_spki=&lt;hash&gt;</c> and <c>_cert_ca=&lt;CN&gt;</c> on certificates). They start with '_',
    /// so clients can neither set nor remove them; Locate matches them like user tags.
    /// </summary>
    public SortedSet<string> SystemTags { get; } = new(StringComparer.Ordinal);

    /// <summary>Whether the object carries <paramref name="tag"/> (user, type or system tag).</summary>
    public bool HasTag(string tag) => UserTags.Contains(tag) || SystemTags.Contains(tag) || string.Equals(SystemTag, tag, StringComparison.Ordinal);

    /// <summary>Grants to non-owners: user (or "*") → permissions.</summary>
    public SortedDictionary<string, Permission> Grants { get; } = new(StringComparer.Ordinal);

    /// <summary>True between Archive and Recover.</summary>
    public bool Archived { get; set; }

    /// <summary>Store version this copy was read at (0 for a new object).</summary>
    public long Version { get; set; }

    /// <summary>Store creation order (0 for a new object).</summary>
    public long Sequence { get; set; }

    // ---- attribute access ----

    public TtlvElement? Get(Tag tag)
    {
        foreach (var a in Attributes) if (a.Tag == tag) return a.Value;
        return null;
    }

    public IEnumerable<AttributeEntry> All(AttributeKey key)
    {
        foreach (var a in Attributes) if (a.Key == key) yield return a;
    }

    public bool Has(AttributeKey key)
    {
        foreach (var a in Attributes) if (a.Key == key) return true;
        return false;
    }

    /// <summary>Replaces every instance of <paramref name="value"/>'s attribute with this single value (index 0).</summary>
    public void SetSingle(TtlvElement value)
    {
        var key = AttributeKey.Of(value);
        // The first instance's position is kept; the others are removed (no delegates: this runs ~15 times per Create).
        int at = -1, kept = 0;
        for (int i = 0; i < Attributes.Count; i++)
        {
            var a = Attributes[i];
            if (a.Key == key)
            {
                if (at < 0) at = i;
                continue;
            }
            Attributes[kept++] = a;
        }
        Attributes.RemoveRange(kept, Attributes.Count - kept);
        var entry = new AttributeEntry(value, 0);
        if (at < 0 || at > Attributes.Count) Attributes.Add(entry);
        else Attributes.Insert(at, entry);
    }

    /// <summary>Adds an instance with the next free index (1.x indices are never reused while an instance holds them).</summary>
    public AttributeEntry AddInstance(TtlvElement value)
    {
        var key = AttributeKey.Of(value);
        int next = 0;
        foreach (var a in Attributes) if (a.Key == key && a.Index >= next) next = a.Index + 1;
        var entry = new AttributeEntry(value, next);
        Attributes.Add(entry);
        return entry;
    }

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
        => (Grants.TryGetValue(user, out var p) && (p & permission) != 0)
        || (Grants.TryGetValue(AccessControl.Everyone, out var e) && (e & permission) != 0);
}
