using System.Text;
using Kms.Ttlv;
using Kms.Ttlv.Tree;
using Kms.Ttlv.Xml;

namespace Kms.Conformance.Tests;

/// <summary>
/// The values a case's placeholders are bound to so far (per file): Unique Identifiers and other server-generated
/// values from responses, reused in later requests. Two implicit kinds besides the named placeholders (see
/// <see cref="ConformanceComparer"/>, rules 7 and 8): the server's own output that stands for a literal value of the case
/// (<see cref="SetOutput"/>), and the latest value of each cryptographic output tag (<see cref="SetLatest"/>).
/// </summary>
public sealed class Bindings
{
    private Dictionary<string, TtlvElement> _values = new(StringComparer.Ordinal);
    private readonly Dictionary<(Tag, string), TtlvElement> _outputs = [];
    private readonly Dictionary<Tag, TtlvElement> _latest = [];

    public bool TryGet(string name, out TtlvElement value) => _values.TryGetValue(name, out value!);

    public void Set(string name, TtlvElement value) => _values[name] = value;

    /// <summary>Records that this server's <paramref name="actual"/> output stands for the case's literal <paramref name="reference"/> value of the same tag.</summary>
    public void SetOutput(Tag tag, byte[] reference, TtlvElement actual) => _outputs[(tag, Convert.ToHexString(reference))] = actual;

    /// <summary>This server's output recorded for the case's literal value <paramref name="reference"/> of <paramref name="tag"/>, if any.</summary>
    public bool TryGetOutput(Tag tag, byte[] reference, out TtlvElement actual) => _outputs.TryGetValue((tag, Convert.ToHexString(reference)), out actual!);

    /// <summary>Remembers the latest value of a cryptographic output tag (Data, IV/Counter/Nonce, MAC Data, …) seen in a response.</summary>
    public void SetLatest(TtlvElement actual) => _latest[actual.Tag] = actual;

    public bool TryGetLatest(Tag tag, out TtlvElement actual) => _latest.TryGetValue(tag, out actual!);

    public Dictionary<string, TtlvElement> Snapshot() => new(_values, StringComparer.Ordinal);

    public void Restore(Dictionary<string, TtlvElement> snapshot) => _values = snapshot;
}

/// <summary>
/// What the comparer has learnt about server objects, by their actual Unique Identifier: which ones this server generated
/// (their key material and what they encrypt, sign or MAC is variable: rules 6 and 7) and which are public keys (rule 7).
/// One per case file, shared by the files of a cross-file profile (<see cref="ConformanceRunner"/>).
/// </summary>
public sealed class ObjectFacts
{
    public HashSet<string> Generated { get; } = new(StringComparer.Ordinal);

    public HashSet<string> PublicKeys { get; } = new(StringComparer.Ordinal);
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
/// <item>Generated key material: for an object that a Create, Create Key Pair, Derive Key, Re-key or Re-key Key Pair
///   response named (in this file, or in an earlier file of a cross-file profile: <see cref="ObjectFacts"/>), the key
///   material in later Get / Get Attributes responses (Key Material, a wrapped Key Value, the RSA/DSA/DH/EC key parts,
///   and the Digest Value computed from them) may be any value of the right type, even where the case file gives the
///   reference server's literal bytes.</item>
/// <item>Generated cryptographic output (Profiles 2.1 §4.1: values that depend on server-generated keys or on randomness
///   vary between servers and runs). Exactly these outputs are variable where the case gives a literal: the Data,
///   IV/Counter/Nonce and Authenticated Encryption Tag of an Encrypt under a key this server generated (rule above), under
///   a public key (RSA OAEP and PKCS#1 v1.5 encryption are randomised), or with an IV the server chose (the request
///   carried none and the response returns one); the Signature Data of a Sign and the MAC Data of a MAC under a generated
///   key; the Data of an RNG Retrieve; and the Data of a Decrypt under a generated key of a ciphertext the case never got
///   from this server (the reference server's ciphertext under the reference server's key). A variable output must still
///   be a Byte String of the same length as the case's value. This server's value is recorded for the case's literal
///   (<see cref="Bindings.SetOutput"/>), and the runner sends it wherever a later request carries that literal, so a
///   Decrypt, Signature Verify or MAC Verify of our own output is compared exactly (a Decrypt must give back the case's
///   plaintext). Everything else in these responses (status, Unique Identifier, Validity Indicator, a plaintext) is
///   deterministic and compared exactly.</item>
/// <item>Unbound request placeholders: some cases give a literal in a response and a placeholder for the same value in the
///   next request (<c>$MAC_DATA</c> in CS-AC-M-6, <c>$DATA_0</c> and <c>$IV_COUNTER_NONCE</c> in CS-BC-M-13-14). A request
///   placeholder that no earlier response bound stands for the latest value of its tag in this file's responses
///   (<see cref="Bindings.SetLatest"/>; Data, IV/Counter/Nonce, Authenticated Encryption Tag, Signature Data, MAC Data,
///   Correlation Value only); with no such value the step fails.</item>
/// <item>Random Number Generator (KMIP 1.4 §3.44, 2.1 §4.50): the attribute describes the generator the server itself
///   used for the key material, like the server information of a Query; the cases give the reference server's generator
///   (ANSI X9.31 with AES-256). This server reports its own (SP 800-90A CTR_DRBG, AES-256), and reporting X9.31 to
///   match the file would be a false statement about its key material. So where the case expects the attribute, the
///   response must carry it (2.x Random Number Generator, 1.x Attribute "Random Number Generator") with a well-formed RNG
///   Parameters structure (KMIP 2.1 §2.1.14): RNG Algorithm first, a value of its enumeration; then only RNG Parameters
///   fields (Cryptographic Algorithm, Cryptographic Length, Hashing Algorithm, DRBG Algorithm, Recommended Curve, FIPS186
///   Variation, Prediction Resistance), each once, of its type and, for enumerations, with a defined value. Its values
///   are otherwise free.</item>
/// <item>Query responses describe the server itself (its operations, object types, vendor, profiles): the response must
///   carry the same kinds of items as the expected one (every expected tag present, no tag the case does not expect),
///   with any values and counts.</item>
/// <item>Everything else is compared exactly and in order: tags, item types, enumerations, integers, dates, texts,
///   byte strings (so a Decrypt of a known key and IV must give the exact plaintext), and the number of items.</item>
/// </list>
/// <see cref="Compare"/> returns null when the responses match, else the first difference as
/// "path: what was expected, what came", and binds placeholders in <see cref="Bindings"/> as it goes.
/// </summary>
public sealed class ConformanceComparer(Placeholders placeholders, Bindings bindings, ObjectFacts? objects = null)
{
    private readonly ObjectFacts _objects = objects ?? new ObjectFacts();

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

    /// <summary>The cryptographic outputs that may vary (rule 7) and that an unbound request placeholder may stand for (rule 8).</summary>
    internal static readonly HashSet<Tag> OutputTags =
        [Tag.Data, Tag.IVCounterNonce, Tag.AuthenticatedEncryptionTag, Tag.SignatureData, Tag.MACData, Tag.CorrelationValue];

    private static readonly Tag[] s_encryptOutputs = [Tag.Data, Tag.IVCounterNonce, Tag.AuthenticatedEncryptionTag];

    /// <summary>The fields of RNG Parameters (KMIP 2.1 §2.1.14) and their item types.</summary>
    private static readonly Dictionary<Tag, ItemType> s_rngFields = new()
    {
        [Tag.RNGAlgorithm] = ItemType.Enumeration,
        [Tag.CryptographicAlgorithm] = ItemType.Enumeration,
        [Tag.CryptographicLength] = ItemType.Integer,
        [Tag.HashingAlgorithm] = ItemType.Enumeration,
        [Tag.DRBGAlgorithm] = ItemType.Enumeration,
        [Tag.RecommendedCurve] = ItemType.Enumeration,
        [Tag.FIPS186Variation] = ItemType.Enumeration,
        [Tag.PredictionResistance] = ItemType.Boolean,
    };

    private bool _inGeneratedObject;
    private readonly HashSet<Tag> _variableOutputs = [];

    /// <summary>
    /// Compares two ResponseMessages; null when they match under the rules above, else the first difference.
    /// <paramref name="request"/> is the case's request of the same step, as written in the file (before substitution):
    /// rule 7 needs to know which object a Register created and what a Decrypt or Encrypt was given.
    /// </summary>
    public string? Compare(TtlvElement expected, TtlvElement actual, TtlvElement? request = null)
    {
        if (Head(expected, actual, "") is { } d) return d;
        if (actual.FindPath(Tag.ResponseHeader, Tag.ProtocolVersion) is { } pv
            && pv.Find(Tag.ProtocolVersionMajor) is { } major && pv.Find(Tag.ProtocolVersionMinor) is { } minor
            && VersionCheck(actual, new KmipVersion(major.Int32, minor.Int32), Name(actual.Tag)) is { } v) return v;
        int ei = 0, ai = 0, item = 0;
        var e = expected.Children;
        var a = actual.Children;
        var requestItems = request?.FindAll(Tag.BatchItem).ToList() ?? [];
        for (; ei < e.Count; ei++)
        {
            int index = item;
            string path = e[ei].Tag == Tag.BatchItem ? $"BatchItem[{item++}]" : Name(e[ei].Tag);
            if (ai >= a.Count) return $"{path}: missing (expected {ShowExpected(e[ei])})";
            if (e[ei].Tag != a[ai].Tag) return $"{path}: expected {ShowExpected(e[ei])}, got {Show(a[ai])}";
            var diff = e[ei].Tag switch
            {
                Tag.ResponseHeader => Header(e[ei], a[ai], path),
                Tag.BatchItem => BatchItem(e[ei], a[ai], path, index < requestItems.Count ? requestItems[index] : null),
                _ => Node(e[ei], a[ai], path),
            };
            if (diff is not null) return diff;
            ai++;
        }
        return ai < a.Count ? $"{Name(actual.Tag)}: unexpected {Show(a[ai])}" : null;
    }

    /// <summary>The first tag, enumeration value or 1.x Attribute Name in <paramref name="e"/> that <paramref name="version"/> does not have.</summary>
    internal static string? VersionCheck(TtlvElement e, KmipVersion version, string path)
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

    private string? BatchItem(TtlvElement expected, TtlvElement actual, string path, TtlvElement? requestItem)
    {
        var operation = expected.Find(Tag.Operation) is { } op ? (Operation)op.UInt32 : (Operation)0;
        var ep = expected.Find(Tag.ResponsePayload);
        var ap = actual.Find(Tag.ResponsePayload);
        var rp = requestItem?.Find(Tag.RequestPayload);
        string? objectId = ap?.Find(Tag.UniqueIdentifier) is { Type: ItemType.TextString } id ? id.Text : null;
        _inGeneratedObject = objectId is not null && _objects.Generated.Contains(objectId);
        VariableOutputs(operation, objectId, rp, ep);
        try
        {
            string? diff;
            if (ep is null || ap is null || !(s_setPayloads.Contains(operation) || operation == Operation.Query))
                diff = Ordered(Without(expected, Tag.ResultMessage), Without(actual, Tag.ResultMessage), path);
            else
                diff = Ordered(Without(expected, Tag.ResultMessage, Tag.ResponsePayload), Without(actual, Tag.ResultMessage, Tag.ResponsePayload), path)
                    ?? (operation == Operation.Query ? QueryPayload(ep, ap, path + "/ResponsePayload") : Unordered(ep, ap, path + "/ResponsePayload"));
            if (diff is null && ap is not null)
                foreach (var item in ap.Children)
                {
                    if (item.Type != ItemType.TextString) continue;
                    if (s_generating.Contains(operation) && item.Tag is Tag.UniqueIdentifier or Tag.PrivateKeyUniqueIdentifier or Tag.PublicKeyUniqueIdentifier)
                        _objects.Generated.Add(item.Text);
                    if (item.Tag == Tag.PublicKeyUniqueIdentifier
                        || item.Tag == Tag.UniqueIdentifier && operation == Operation.Register && rp?.Find(Tag.ObjectType) is { } type && type.UInt32 == (uint)ObjectType.PublicKey)
                        _objects.PublicKeys.Add(item.Text);
                }
            if (ap is not null)
                foreach (var item in ap.Children)
                    if (item.Type == ItemType.ByteString && OutputTags.Contains(item.Tag)) bindings.SetLatest(item);
            return diff;
        }
        finally
        {
            _inGeneratedObject = false;
            _variableOutputs.Clear();
        }
    }

    /// <summary>Rule 7: the outputs of this batch item that depend on a generated key or on randomness.</summary>
    private void VariableOutputs(Operation operation, string? objectId, TtlvElement? request, TtlvElement? expectedPayload)
    {
        bool generatedKey = objectId is not null && _objects.Generated.Contains(objectId);
        switch (operation)
        {
            case Operation.Encrypt:
                bool publicKey = objectId is not null && _objects.PublicKeys.Contains(objectId);
                bool serverIv = request is not null && request.Find(Tag.IVCounterNonce) is null && expectedPayload?.Find(Tag.IVCounterNonce) is not null;
                if (generatedKey || publicKey || serverIv) _variableOutputs.UnionWith(s_encryptOutputs);
                break;
            case Operation.Sign when generatedKey:
                _variableOutputs.Add(Tag.SignatureData);
                break;
            case Operation.MAC when generatedKey:
                _variableOutputs.Add(Tag.MACData);
                break;
            case Operation.RNGRetrieve:
                _variableOutputs.Add(Tag.Data);
                break;
            case Operation.Decrypt when generatedKey && request?.Find(Tag.Data) is { Type: ItemType.ByteString } data
                                        && placeholders.NameOf(data) is null && !bindings.TryGetOutput(Tag.Data, data.Bytes, out _):
                _variableOutputs.Add(Tag.Data);
                break;
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
        if (expected.Type == ItemType.ByteString && _variableOutputs.Contains(expected.Tag))
        {
            if (actual.Bytes.Length != expected.Bytes.Length)
                return $"{path}: expected a generated value of {expected.Bytes.Length} bytes (the case's is {ShowExpected(expected)}), got {actual.Bytes.Length} bytes";
            bindings.SetOutput(expected.Tag, expected.Bytes, actual);
            return null;
        }
        if (expected.Tag == Tag.RandomNumberGenerator || expected.Tag == Tag.AttributeValue && expected.Type == ItemType.Structure && expected.Find(Tag.RNGAlgorithm) is not null)
            return RngParameters(actual, path);
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

    /// <summary>Rule 9: a well-formed RNG Parameters structure (KMIP 2.1 §2.1.14), any generator.</summary>
    private static string? RngParameters(TtlvElement actual, string path)
    {
        if (actual.Type != ItemType.Structure) return $"{path}: expected an RNG Parameters structure, got {Show(actual)}";
        if (actual.Children.Count == 0 || actual.Children[0].Tag != Tag.RNGAlgorithm) return $"{path}/RNGAlgorithm: missing (it must come first), got {Show(actual)}";
        var seen = new HashSet<Tag>();
        foreach (var c in actual.Children)
        {
            if (!s_rngFields.TryGetValue(c.Tag, out var type)) return $"{path}: unexpected {Show(c)} (not an RNG Parameters field)";
            if (!seen.Add(c.Tag)) return $"{path}: {Name(c.Tag)} appears twice";
            if (c.Type != type) return $"{path}/{Name(c.Tag)}: expected type {type}, got {c.Type}";
            if (type == ItemType.Enumeration && KmipNames.EnumerationFor(c.Tag) is { } en && en.Find(c.UInt32) is null)
                return $"{path}/{Name(c.Tag)}: 0x{c.UInt32:X} is not a {en.SpecName} value";
        }
        return null;
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
