using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Kms.Engine.Access;
using Kms.Engine.Storage;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Model;

/// <summary>
/// Serializes a <see cref="ManagedObject"/> to the body of an <see cref="ObjectRecord"/> (a TTLV blob
/// using private extension tags 0x54FF01–0x54FF0F) and derives its index terms.
/// </summary>
/// <remarks>
/// Index terms (all exact-match; values longer than <see cref="MaxTermValue"/> are hashed, see <see cref="Term"/>): <c>owner=U</c>, <c>type=SymmetricKey</c>, <c>state=Active</c>,
/// <c>tag=T</c> (user and system tags), <c>name=N</c>, <c>namet=Type:N</c>, <c>online</c> (neither destroyed nor archived), <c>alg=AES</c>, <c>len=256</c>, <c>link=ID</c>,
/// <c>linkt=Type:ID</c>, <c>group=G</c>, <c>vattr=vendor:name</c>, <c>vval=vendor:name=text</c>,
/// <c>grant=U</c> (U holds any grant), <c>perm=U:Permission</c> and <c>x509subject=SHA-256(subject DN DER)</c>.
/// </remarks>
internal static class ObjectCodec
{
    private const Tag RecordTag = (Tag)0x54FF01;
    private const Tag IdTag = (Tag)0x54FF02;
    private const Tag OwnerTag = (Tag)0x54FF03;
    private const Tag EntryTag = (Tag)0x54FF04;
    private const Tag UserTagTag = (Tag)0x54FF05;
    private const Tag GrantTag = (Tag)0x54FF06;
    private const Tag GrantUserTag = (Tag)0x54FF07;
    private const Tag GrantBitsTag = (Tag)0x54FF08;
    private const Tag ArchivedTag = (Tag)0x54FF09;
    private const Tag FormatTag = (Tag)0x54FF0A;
    private const Tag SystemTagTag = (Tag)0x54FF0B;
    private const int FormatVersion = 1;

    /// <summary>
    /// The record body: {Format, Id, Object Type, Owner, Archived, object value, (Attribute Index, attribute)*, user tags,
    /// system tags, (grant user, bits)*} in one structure. Written once into a per-thread scratch buffer and copied out
    /// (measuring every item first cost as much as writing it); a body larger than the scratch is measured and written
    /// straight into an array of the exact size. The scratch holds key material while in use: what was written is
    /// cleared before returning.
    /// </summary>
    public static byte[] Serialize(ManagedObject obj)
    {
        var scratch = t_scratch ??= new byte[ScratchBytes];
        var w = new TtlvWriter(scratch);
        Write(ref w, obj);
        if (!w.Overflowed)
        {
            var written = scratch.AsSpan(0, w.BytesWritten);
            var body = written.ToArray();
            written.Clear();
            return body;
        }
        scratch.AsSpan().Clear();

        int length = 8 + 16 + TextLength(obj.Id) + 16 + TextLength(obj.Owner) + 16;
        if (obj.Value is not null) length += obj.Value.EncodedLength();
        foreach (var a in obj.Attributes) length += 8 + 16 + a.Value.EncodedLength();
        // Sorted collections allocate an enumerator stack: skipped when empty (the common case).
        if (obj.UserTagCount > 0) foreach (var t in obj.UserTags) length += TextLength(t);
        if (obj.SystemTagCount > 0) foreach (var t in obj.SystemTags) length += TextLength(t);
        if (obj.GrantCount > 0) foreach (var (user, _) in obj.Grants) length += 8 + TextLength(user) + 16;

        var bytes = new byte[length];
        w = new TtlvWriter(bytes);
        Write(ref w, obj);
        if (w.Overflowed || w.BytesWritten != length) throw new InvalidOperationException("Object record length mismatch.");
        return bytes;
    }

    // Room for the usual record (a new AES key's is ~1.3 KB; certificates are larger).
    internal const int ScratchBytes = 8192;
    [ThreadStatic] private static byte[]? t_scratch;

    private static void Write(ref TtlvWriter w, ManagedObject obj)
    {
        w.StartStructure(RecordTag);
        w.WriteInt32(FormatTag, FormatVersion);
        w.WriteText(IdTag, obj.Id);
        w.WriteEnum(Tag.ObjectType, (uint)obj.ObjectType);
        w.WriteText(OwnerTag, obj.Owner);
        w.WriteBoolean(ArchivedTag, obj.Archived);
        obj.Value?.WriteTo(ref w);
        foreach (var a in obj.Attributes)
        {
            w.StartStructure(EntryTag);
            w.WriteInt32(Tag.AttributeIndex, a.Index);
            a.Value.WriteTo(ref w);
            w.EndStructure();
        }
        if (obj.UserTagCount > 0) foreach (var t in obj.UserTags) w.WriteText(UserTagTag, t);
        if (obj.SystemTagCount > 0) foreach (var t in obj.SystemTags) w.WriteText(SystemTagTag, t);
        if (obj.GrantCount > 0) foreach (var (user, perms) in obj.Grants)
        {
            w.StartStructure(GrantTag);
            w.WriteText(GrantUserTag, user);
            w.WriteInt32(GrantBitsTag, (int)perms);
            w.EndStructure();
        }
        w.EndStructure();
    }

    private static int TextLength(string text) => 8 + ((Encoding.UTF8.GetByteCount(text) + 7) & ~7);

    public static ManagedObject Deserialize(ObjectRecord record)
    {
        // The body was written by Serialize: depth stays well under the ceiling.
        if (!TtlvElement.TryDecode(record.Body.Span, out var root, out _, out _, TtlvLimits.DepthCeiling) || root.Tag != RecordTag)
            throw new InvalidDataException("Corrupt object record.");
        var obj = new ManagedObject
        {
            Id = root.Find(IdTag)!.Text,
            ObjectType = (ObjectType)root.Find(Tag.ObjectType)!.UInt32,
            Owner = root.Find(OwnerTag)!.Text,
            Archived = root.Find(ArchivedTag)?.Bool ?? false,
            Version = record.Version,
            Sequence = record.Sequence,
        };
        var valueTag = ManagedObject.ValueTag(obj.ObjectType);
        foreach (var c in root.Children)
        {
            if (c.Tag == valueTag) obj.Value = c;
            else if (c.Tag == EntryTag) obj.Attributes.Add(new AttributeEntry(c.Children[1], c.Children[0].Int32));
            else if (c.Tag == UserTagTag) obj.UserTags.Add(c.Text);
            else if (c.Tag == SystemTagTag) obj.SystemTags.Add(c.Text);
            else if (c.Tag == GrantTag) obj.Grants[c.Find(GrantUserTag)!.Text] = (Permission)c.Find(GrantBitsTag)!.Int32;
        }
        return obj;
    }

    /// <summary>Longest value kept verbatim in a term; longer values are replaced by "#" + SHA-256 hex (terms stay bounded).</summary>
    public const int MaxTermValue = 512;

    /// <summary>One index term: <c>prefix + value</c>, or <c>prefix + "#" + SHA-256(value)</c> for a long value.</summary>
    public static string Term(string prefix, string value)
        => value.Length <= MaxTermValue ? prefix + value : prefix + "#" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    /// <summary>The term of objects in on-line storage (neither destroyed nor archived).</summary>
    public const string OnlineTerm = "online";

    /// <summary>The term of X.509 certificates with this subject distinguished name (DER): Validate finds stored issuers by it.</summary>
    public static string SubjectTerm(ReadOnlySpan<byte> subjectDer) => "x509subject=" + Convert.ToHexString(SHA256.HashData(subjectDer));

    public static string[] IndexTerms(ManagedObject obj)
    {
        var terms = new List<string>(8 + obj.UserTagCount + obj.SystemTagCount)
        {
            Cached(s_ownerTerms, obj.Owner, static owner => Term("owner=", owner)),
            Cached(s_typeTerms, obj.ObjectType, static type => "type=" + type),
            Cached(s_stateTerms, obj.StoredState, static state => "state=" + state),
            Cached(s_systemTagTerms, obj.ObjectType, static type => "tag=" + ManagedObject.SystemTagOf(type)),
        };
        if (!obj.IsDestroyed && !obj.Archived) terms.Add(OnlineTerm);
        if (obj.UserTagCount > 0) foreach (var t in obj.UserTags) terms.Add(Term("tag=", t));
        if (obj.SystemTagCount > 0) foreach (var t in obj.SystemTags) terms.Add(Term("tag=", t));
        foreach (var a in obj.Attributes)
        {
            var v = a.Value;
            switch (a.Tag)
            {
                case Tag.Name when v.Find(Tag.NameValue) is { } n:
                    terms.Add(Term("name=", n.Text));
                    if (v.Find(Tag.NameType) is { } nt) terms.Add(Term("namet=" + nt.UInt32.ToString(CultureInfo.InvariantCulture) + ":", n.Text));
                    break;
                case Tag.CryptographicAlgorithm: terms.Add(Cached(s_algorithmTerms, v.UInt32, static alg => "alg=" + alg.ToString(CultureInfo.InvariantCulture))); break;
                case Tag.CryptographicLength: terms.Add(Cached(s_lengthTerms, v.Int32, static len => "len=" + len.ToString(CultureInfo.InvariantCulture))); break;
                case Tag.ObjectGroup: terms.Add(Term("group=", v.Text)); break;
                case Tag.X_509CertificateSubject when v.Find(Tag.SubjectDistinguishedName) is { Type: ItemType.ByteString } dn:
                    terms.Add(SubjectTerm(dn.Bytes));
                    break;
                case Tag.Link:
                    var id = v.Find(Tag.LinkedObjectIdentifier);
                    var lt = v.Find(Tag.LinkType);
                    if (id is { Type: ItemType.TextString })
                    {
                        terms.Add(Term("link=", id.Text));
                        if (lt is not null) terms.Add(Term("linkt=" + lt.UInt32.ToString(CultureInfo.InvariantCulture) + ":", id.Text));
                    }
                    break;
                case Tag.Attribute:
                    var key = a.Key;
                    terms.Add(Term("vattr=", key.Vendor + ":" + key.Name));
                    if (v.Find(Tag.AttributeValue) is { Type: ItemType.TextString } tv) terms.Add(Term("vval=", key.Vendor + ":" + key.Name + "=" + tv.Text));
                    break;
            }
        }
        if (obj.GrantCount > 0)
        {
            foreach (var (user, perms) in obj.Grants)
            {
                if (perms == Permission.None) continue;
                terms.Add(Term("grant=", user));
                foreach (var p in PermissionNames.Split(perms)) terms.Add(Term("perm=", user + ":" + p));
            }
        }
        return Distinct(terms);
    }

    // Terms most objects share (owner, type, state, algorithm, length) are made once and shared: fewer allocations per
    // commit and one string per distinct term in the in-memory index instead of one per object. Each cache is bounded
    // (values come from clients); past the bound a term is simply made anew.
    private const int MaxCachedTerms = 4096;
    private static readonly ConcurrentDictionary<string, string> s_ownerTerms = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<ObjectType, string> s_typeTerms = new();
    private static readonly ConcurrentDictionary<State, string> s_stateTerms = new();
    private static readonly ConcurrentDictionary<ObjectType, string> s_systemTagTerms = new();
    private static readonly ConcurrentDictionary<uint, string> s_algorithmTerms = new();
    private static readonly ConcurrentDictionary<int, string> s_lengthTerms = new();

    private static string Cached<TKey>(ConcurrentDictionary<TKey, string> cache, TKey key, Func<TKey, string> make) where TKey : notnull
    {
        if (cache.TryGetValue(key, out var term)) return term;
        term = make(key);
        if (cache.Count < MaxCachedTerms) cache.TryAdd(key, term);
        return term;
    }

    /// <summary>The terms without repeats, first occurrence kept (as <c>Distinct</c>), without a hash set for the usual handful.</summary>
    private static string[] Distinct(List<string> terms)
    {
        if (terms.Count > 32) return [.. terms.Distinct(StringComparer.Ordinal)];
        int kept = 0;
        for (int i = 0; i < terms.Count; i++)
        {
            bool seen = false;
            for (int j = 0; j < kept && !seen; j++) seen = string.Equals(terms[j], terms[i], StringComparison.Ordinal);
            if (!seen) terms[kept++] = terms[i];
        }
        var result = new string[kept];
        terms.CopyTo(0, result, 0, kept);
        return result;
    }

    public static ObjectWrite ToWrite(ManagedObject obj) => new(obj.Id, obj.Version, Serialize(obj), IndexTerms(obj));
}
