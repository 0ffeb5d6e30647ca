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

    public static byte[] Serialize(ManagedObject obj)
    {
        var root = TtlvElement.Structure(RecordTag,
            TtlvElement.Integer(FormatTag, FormatVersion),
            TtlvElement.TextString(IdTag, obj.Id),
            TtlvElement.Enumeration(Tag.ObjectType, (uint)obj.ObjectType),
            TtlvElement.TextString(OwnerTag, obj.Owner),
            TtlvElement.Boolean(ArchivedTag, obj.Archived));
        if (obj.Value is not null) root.Children.Add(obj.Value);
        foreach (var a in obj.Attributes)
            root.Children.Add(TtlvElement.Structure(EntryTag, TtlvElement.Integer(Tag.AttributeIndex, a.Index), a.Value));
        foreach (var t in obj.UserTags) root.Children.Add(TtlvElement.TextString(UserTagTag, t));
        foreach (var t in obj.SystemTags) root.Children.Add(TtlvElement.TextString(SystemTagTag, t));
        foreach (var (user, perms) in obj.Grants)
            root.Children.Add(TtlvElement.Structure(GrantTag, TtlvElement.TextString(GrantUserTag, user), TtlvElement.Integer(GrantBitsTag, (int)perms)));
        return root.ToBytes();
    }

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

    public static List<string> IndexTerms(ManagedObject obj)
    {
        var terms = new List<string>
        {
            Term("owner=", obj.Owner),
            "type=" + obj.ObjectType,
            "state=" + obj.StoredState,
            "tag=" + obj.SystemTag,
        };
        if (!obj.IsDestroyed && !obj.Archived) terms.Add(OnlineTerm);
        foreach (var t in obj.UserTags) terms.Add(Term("tag=", t));
        foreach (var t in obj.SystemTags) terms.Add(Term("tag=", t));
        foreach (var a in obj.Attributes)
        {
            var v = a.Value;
            switch (a.Tag)
            {
                case Tag.Name when v.Find(Tag.NameValue) is { } n:
                    terms.Add(Term("name=", n.Text));
                    if (v.Find(Tag.NameType) is { } nt) terms.Add(Term("namet=" + nt.UInt32.ToString(CultureInfo.InvariantCulture) + ":", n.Text));
                    break;
                case Tag.CryptographicAlgorithm: terms.Add("alg=" + v.UInt32.ToString(CultureInfo.InvariantCulture)); break;
                case Tag.CryptographicLength: terms.Add("len=" + v.Int32.ToString(CultureInfo.InvariantCulture)); break;
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
        foreach (var (user, perms) in obj.Grants)
        {
            if (perms == Permission.None) continue;
            terms.Add(Term("grant=", user));
            foreach (var p in PermissionNames.Split(perms)) terms.Add(Term("perm=", user + ":" + p));
        }
        return [.. terms.Distinct(StringComparer.Ordinal)];
    }

    public static ObjectWrite ToWrite(ManagedObject obj) => new(obj.Id, obj.Version, Serialize(obj), IndexTerms(obj));
}
