using System.Text;
using Kms.Ttlv;
using Kms.Ttlv.Tree;
using Kms.Ttlv.Xml;

namespace Kms.Conformance.Tests;

/// <summary>
/// The values a case's placeholders are bound to so far (per file): Unique Identifiers and other server-generated
/// values from responses, reused in later requests.
/// </summary>
public sealed class Bindings
{
    private Dictionary<string, TtlvElement> _values = new(StringComparer.Ordinal);

    public bool TryGet(string name, out TtlvElement value) => _values.TryGetValue(name, out value!);

    public void Set(string name, TtlvElement value) => _values[name] = value;

    public Dictionary<string, TtlvElement> Snapshot() => new(_values, StringComparer.Ordinal);

    public void Restore(Dictionary<string, TtlvElement> snapshot) => _values = snapshot;
}

/// <summary>
/// Compares an actual ResponseMessage with the expected one of an OASIS test case, allowing only the variations of
/// KMIP Profiles 2.1 §4.1 (and nothing else):
/// <list type="number">
/// <item>Version-correct responses (issue 6): every tag of the actual response, every enumeration value, and every 1.x
///   Attribute Name must exist in the response's protocol version (the version ranges of the KMIP tables; vendor
///   extension tags 0x54xxxx excepted). A 2.x-only tag or attribute in a 1.x response is a difference even where extra
///   attributes are otherwise allowed.</item>
/// <item>Placeholders in the expected response. <c>$UNIQUE_IDENTIFIER_n</c>, <c>$SHORT_UNIQUE_IDENTIFIER_n</c> and other
///   numbered values (<c>$KEY_MATERIAL_n</c>, <c>$DATA_n</c>, …) are bound to the actual value at their first appearance
///   and must be equal at every later one. Unnumbered ones (<c>$IV_COUNTER_NONCE</c>, <c>$CORRELATION_VALUE</c>,
///   <c>$SIGNATURE_DATA</c>, <c>$MAC_DATA</c>, <c>$AUTHENTICATED_ENCRYPTION_TAG</c>) accept any value of the right type
///   and are re-bound to the latest one. <c>$NOW…</c> accepts any Date-Time. The tag and item type must still match.</item>
/// <item>Response Header: Time Stamp must be present with any value; Client and Server Correlation Values may be present
///   or absent with any value. Everything else in the header (Protocol Version, Batch Count, …) must match.</item>
/// <item>Batch Item: Result Message may be present or absent with any text. Operation, Unique Batch Item ID, Result Status,
///   Result Reason, Asynchronous Correlation Value and the payload must match.</item>
/// <item>Attribute collections — <c>Attributes</c>, <c>Common/Private Key/Public Key Attributes</c>, the 1.x
///   <c>Template-Attribute</c> structures, and the payloads of Get Attributes and Get Attribute List responses — are
///   compared as sets: every expected item must match a distinct actual item, in any order, and the actual collection
///   may hold extra items (attributes the server adds).</item>
/// <item>Generated key material: for an object whose identifier was bound by a Create, Create Key Pair, Derive Key, Re-key
///   or Re-key Key Pair response, the key material in later Get / Get Attributes responses (Key Material, a wrapped Key
///   Value, the RSA/DSA/DH/EC key parts, and the Digest Value computed from them) may be any value of the right type, even
///   where the case file gives the reference server's literal bytes.</item>
/// <item>Query responses describe the server itself (its operations, object types, vendor, profiles): the response must
///   carry the same kinds of items as the expected one (every expected tag present, no tag the case does not expect),
///   with any values and counts.</item>
/// <item>Everything else is compared exactly and in order: tags, item types, enumerations, integers, dates, texts,
///   byte strings (so a Decrypt of a known key and IV must give the exact plaintext), and the number of items.</item>
/// </list>
/// <see cref="Compare"/> returns null when the responses match, else the first difference as
/// "path: what was expected, what came", and binds placeholders in <see cref="Bindings"/> as it goes.
/// </summary>
public sealed class ConformanceComparer(Placeholders placeholders, Bindings bindings)
{
    private static readonly HashSet<Tag> s_attributeSets =
    [
        Tag.Attributes, Tag.CommonAttributes, Tag.PrivateKeyAttributes, Tag.PublicKeyAttributes,
        Tag.TemplateAttribute, Tag.CommonTemplateAttribute, Tag.PrivateKeyTemplateAttribute, Tag.PublicKeyTemplateAttribute,
    ];

    private static readonly HashSet<Operation> s_setPayloads = [Operation.GetAttributes, Operation.GetAttributeList];

    private static readonly HashSet<Operation> s_generating = [Operation.Create, Operation.CreateKeyPair, Operation.DeriveKey, Operation.ReKey, Operation.ReKeyKeyPair];

    private static readonly HashSet<Tag> s_generatedMaterial =
    [
        Tag.KeyMaterial, Tag.KeyValue, Tag.DigestValue, Tag.Modulus, Tag.PrivateExponent, Tag.PublicExponent, Tag.P, Tag.Q, Tag.G, Tag.J,
        Tag.PrimeExponentP, Tag.PrimeExponentQ, Tag.CRTCoefficient, Tag.D, Tag.X, Tag.Y, Tag.QString,
    ];

    private readonly HashSet<string> _generatedObjects = new(StringComparer.Ordinal);
    private bool _inGeneratedObject;

    /// <summary>Compares two ResponseMessages; null when they match under the rules above, else the first difference.</summary>
    public string? Compare(TtlvElement expected, TtlvElement actual)
    {
        if (Head(expected, actual, "") is { } d) return d;
        if (actual.FindPath(Tag.ResponseHeader, Tag.ProtocolVersion) is { } pv
            && pv.Find(Tag.ProtocolVersionMajor) is { } major && pv.Find(Tag.ProtocolVersionMinor) is { } minor
            && VersionCheck(actual, new KmipVersion(major.Int32, minor.Int32), Name(actual.Tag)) is { } v) return v;
        int ei = 0, ai = 0, item = 0;
        var e = expected.Children;
        var a = actual.Children;
        for (; ei < e.Count; ei++)
        {
            string path = e[ei].Tag == Tag.BatchItem ? $"BatchItem[{item++}]" : Name(e[ei].Tag);
            if (ai >= a.Count) return $"{path}: missing (expected {ShowExpected(e[ei])})";
            if (e[ei].Tag != a[ai].Tag) return $"{path}: expected {ShowExpected(e[ei])}, got {Show(a[ai])}";
            var diff = e[ei].Tag switch
            {
                Tag.ResponseHeader => Header(e[ei], a[ai], path),
                Tag.BatchItem => BatchItem(e[ei], a[ai], path),
                _ => Node(e[ei], a[ai], path),
            };
            if (diff is not null) return diff;
            ai++;
        }
        return ai < a.Count ? $"{Name(actual.Tag)}: unexpected {Show(a[ai])}" : null;
    }

    /// <summary>The first tag, enumeration value or 1.x Attribute Name in <paramref name="e"/> that <paramref name="version"/> does not have.</summary>
    private static string? VersionCheck(TtlvElement e, KmipVersion version, string path)
    {
        if (KmipNames.IsExtension(e.Tag)) return null;
        var info = KmipNames.FindTag(e.Tag);
        if (info is null || !info.ExistsIn(version)) return $"{path}: tag {Name(e.Tag)} does not exist in KMIP {version}";
        if (e.Type == ItemType.Enumeration && KmipNames.EnumerationFor(e.Tag) is { IsMask: false } en && en.Find(e.UInt32) is { } value && !value.ExistsIn(version))
            return $"{path}: {en.SpecName} value {value.Name} does not exist in KMIP {version}";
        if (e.Tag == Tag.AttributeName && e.Type == ItemType.TextString && !e.Text.StartsWith("x-", StringComparison.Ordinal) && !e.Text.StartsWith("y-", StringComparison.Ordinal)
            && KmipNames.TryGetTagBySpecName(e.Text, out var attribute) && KmipNames.FindTag(attribute) is { } attributeInfo && !attributeInfo.ExistsIn(version))
            return $"{path}: attribute '{e.Text}' does not exist in KMIP {version}";
        foreach (var child in e.Children)
            if (VersionCheck(child, version, path + "/" + Name(child.Tag)) is { } d) return d;
        return null;
    }

    private string? Header(TtlvElement expected, TtlvElement actual, string path)
    {
        if (expected.Find(Tag.TimeStamp) is not null && actual.Find(Tag.TimeStamp) is null) return $"{path}/TimeStamp: missing";
        return Ordered(Without(expected, Tag.TimeStamp, Tag.ClientCorrelationValue, Tag.ServerCorrelationValue),
                       Without(actual, Tag.TimeStamp, Tag.ClientCorrelationValue, Tag.ServerCorrelationValue), path);
    }

    private string? BatchItem(TtlvElement expected, TtlvElement actual, string path)
    {
        var operation = expected.Find(Tag.Operation) is { } op ? (Operation)op.UInt32 : (Operation)0;
        var ep = expected.Find(Tag.ResponsePayload);
        var ap = actual.Find(Tag.ResponsePayload);
        _inGeneratedObject = ep?.Find(Tag.UniqueIdentifier) is { } id && placeholders.NameOf(id) is { } idName && _generatedObjects.Contains(idName);
        try
        {
            string? diff;
            if (ep is null || ap is null || !(s_setPayloads.Contains(operation) || operation == Operation.Query))
                diff = Ordered(Without(expected, Tag.ResultMessage), Without(actual, Tag.ResultMessage), path);
            else
                diff = Ordered(Without(expected, Tag.ResultMessage, Tag.ResponsePayload), Without(actual, Tag.ResultMessage, Tag.ResponsePayload), path)
                    ?? (operation == Operation.Query ? QueryPayload(ep, ap, path + "/ResponsePayload") : Unordered(ep, ap, path + "/ResponsePayload"));
            if (diff is null && ep is not null && s_generating.Contains(operation))
                foreach (var item in ep.Children)
                    if (item.Tag is Tag.UniqueIdentifier or Tag.PrivateKeyUniqueIdentifier or Tag.PublicKeyUniqueIdentifier && placeholders.NameOf(item) is { } name)
                        _generatedObjects.Add(name);
            return diff;
        }
        finally
        {
            _inGeneratedObject = false;
        }
    }

    private static string? QueryPayload(TtlvElement expected, TtlvElement actual, string path)
    {
        foreach (var e in expected.Children)
            if (actual.Find(e.Tag) is null) return $"{path}/{Name(e.Tag)}: missing (the server lists no {Name(e.Tag)})";
        foreach (var a in actual.Children)
            if (expected.Find(a.Tag) is null) return $"{path}: unexpected {Show(a)}";
        return null;
    }

    private string? Node(TtlvElement expected, TtlvElement actual, string path)
    {
        if (Head(expected, actual, path) is { } d) return d;
        if (placeholders.NameOf(expected) is { } name) return Placeholder(name, actual, path);
        if (_inGeneratedObject && expected.Type is ItemType.ByteString or ItemType.BigInteger && s_generatedMaterial.Contains(expected.Tag)) return null;
        if (expected.Type == ItemType.Structure)
            return s_attributeSets.Contains(expected.Tag) ? Unordered(expected, actual, path) : Ordered(expected.Children, actual.Children, path);
        bool equal = expected.Type switch
        {
            ItemType.TextString => expected.Text == actual.Text,
            ItemType.ByteString or ItemType.BigInteger => expected.Bytes.AsSpan().SequenceEqual(actual.Bytes),
            _ => expected.Number == actual.Number,
        };
        return equal ? null : $"{path}: expected {ShowExpected(expected)}, got {Show(actual)}";
    }

    private string? Placeholder(string name, TtlvElement actual, string path)
    {
        if (Placeholders.IsTime(name)) return null;
        if (Placeholders.IsNumbered(name) && bindings.TryGet(name, out var bound))
        {
            bool same = bound.Type == actual.Type && bound.Text == actual.Text && bound.Bytes.AsSpan().SequenceEqual(actual.Bytes);
            return same ? null : $"{path}: expected {name} = {Show(bound)} (bound earlier), got {Show(actual)}";
        }
        bindings.Set(name, actual);
        return null;
    }

    private string? Ordered(List<TtlvElement> expected, List<TtlvElement> actual, string path)
    {
        int n = Math.Min(expected.Count, actual.Count);
        for (int i = 0; i < n; i++)
        {
            string child = path.Length == 0 ? Name(expected[i].Tag) : path + "/" + Name(expected[i].Tag);
            if (expected[i].Tag != actual[i].Tag)
            {
                bool later = actual.Skip(i).Any(x => x.Tag == expected[i].Tag);
                return later ? $"{path}: unexpected {Show(actual[i])} before {Name(expected[i].Tag)}" : $"{child}: missing (expected {ShowExpected(expected[i])}, got {Show(actual[i])})";
            }
            if (Node(expected[i], actual[i], child) is { } d) return d;
        }
        if (expected.Count > n) return $"{path}/{Name(expected[n].Tag)}: missing (expected {ShowExpected(expected[n])})";
        if (actual.Count > n) return $"{path}: unexpected {Show(actual[n])}";
        return null;
    }

    /// <summary>Every expected child matches a distinct actual child, in any order; extra actual children are allowed.</summary>
    private string? Unordered(TtlvElement expected, TtlvElement actual, string path)
    {
        var used = new bool[actual.Children.Count];
        string? first = null;
        var alsoMissing = new List<string>();
        foreach (var e in expected.Children)
        {
            string child = path + "/" + Name(e.Tag);
            string? firstDiff = null;
            bool matched = false;
            for (int i = 0; i < actual.Children.Count && !matched; i++)
            {
                var a = actual.Children[i];
                if (used[i] || a.Tag != e.Tag) continue;
                var snapshot = bindings.Snapshot();
                var d = Node(e, a, child);
                if (d is null)
                {
                    used[i] = true;
                    matched = true;
                }
                else
                {
                    bindings.Restore(snapshot);
                    if (firstDiff is null || SameAttributeName(e, a)) firstDiff = d;
                }
            }
            if (matched) continue;
            if (first is null) first = firstDiff is null ? $"{child}: missing (expected {ShowExpected(e)})" : $"{child}: no matching item; closest: {firstDiff}";
            else alsoMissing.Add(Brief(e));
        }
        return first is null ? null : alsoMissing.Count == 0 ? first : $"{first} (also unmatched: {string.Join(", ", alsoMissing)})";
    }

    /// <summary>A one-word description of an expected item: its value for enumerations and texts, else its tag (1.x Attribute: its name).</summary>
    private string Brief(TtlvElement e)
    {
        if (placeholders.NameOf(e) is { } name) return name;
        if (e.Tag == Tag.Attribute && e.Find(Tag.AttributeName) is { } n) return n.Text;
        if (e.Type == ItemType.TextString) return e.Text;
        if (e.Type == ItemType.Enumeration && KmipNames.EnumerationFor(e.Tag) is { } en && en.TryGetName(e.UInt32, out var value)) return value;
        if (e.Tag == Tag.AttributeReference && e.Type == ItemType.Enumeration) return Name((Tag)e.UInt32);   // 2.x: the value is a tag
        return e.Type == ItemType.Structure || e.Children.Count > 0 ? Name(e.Tag) : $"{Name(e.Tag)}={ShowExpected(e)}";
    }

    /// <summary>1.x Attribute structures: the candidate with the same Attribute Name gives the most useful difference.</summary>
    private static bool SameAttributeName(TtlvElement e, TtlvElement a) =>
        e.Tag == Tag.Attribute && e.Find(Tag.AttributeName)?.Text is { } n && a.Find(Tag.AttributeName)?.Text == n;

    private static string? Head(TtlvElement expected, TtlvElement actual, string path)
    {
        if (expected.Tag != actual.Tag) return $"{path}: expected {Name(expected.Tag)}, got {Name(actual.Tag)}";
        if (expected.Type != actual.Type) return $"{path}: expected type {expected.Type}, got {actual.Type}";
        return null;
    }

    private static List<TtlvElement> Without(TtlvElement e, params Tag[] tags) => e.Children.Where(c => Array.IndexOf(tags, c.Tag) < 0).ToList();

    private static string Name(Tag tag) => KmipNames.TagName(tag);

    /// <summary>An expected element as text, with its placeholder name instead of the sentinel value.</summary>
    private string ShowExpected(TtlvElement e) =>
        placeholders.NameOf(e) is { } name ? $"<{Name(e.Tag)} type=\"{e.Type}\" value=\"{name}\" />" : Show(e);

    /// <summary>A short XML rendering of an element (enumerations by name), cut to 160 characters.</summary>
    public static string Show(TtlvElement e)
    {
        string text;
        try
        {
            text = KmipXml.Serialize(e, indent: false);
        }
        catch (ArgumentException)
        {
            text = $"<{Name(e.Tag)} type=\"{e.Type}\"/>";
        }
        var sb = new StringBuilder(text.Length);
        foreach (char c in text) sb.Append(c is '\r' or '\n' ? ' ' : c);
        return sb.Length > 160 ? sb.ToString(0, 157) + "..." : sb.ToString();
    }
}
