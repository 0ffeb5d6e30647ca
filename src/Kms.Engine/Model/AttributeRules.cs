using System.Collections.Frozen;
using Kms.Ttlv;

namespace Kms.Engine.Model;

/// <summary>How the engine treats one attribute.</summary>
[Flags]
internal enum AttributeFlags
{
    None = 0,
    /// <summary>Several instances allowed (KMIP 2.1 §4 "Multiple instances permitted").</summary>
    Multi = 1,
    /// <summary>Only the server sets it: a client may not send it in Create/Register.</summary>
    ServerOnly = 2,
    /// <summary>A client may not add, modify or delete it after creation ("Modifiable by client: No").</summary>
    ReadOnly = 4,
}

/// <summary>
/// The attribute set the engine knows (KMIP 2.1 §4 plus the 1.x-only attributes still sent by clients).
/// An attribute tag not listed here is still stored and returned as received (Unsupported only if it is
/// not an attribute tag at all is not checked: the tree keeps whatever the client sent).
/// </summary>
internal static class AttributeRules
{
    private static readonly FrozenDictionary<Tag, AttributeFlags> s_rules = new Dictionary<Tag, AttributeFlags>
    {
        [Tag.UniqueIdentifier] = AttributeFlags.ServerOnly | AttributeFlags.ReadOnly,
        [Tag.Name] = AttributeFlags.Multi,
        [Tag.ObjectType] = AttributeFlags.ReadOnly,
        [Tag.CryptographicAlgorithm] = AttributeFlags.ReadOnly,
        [Tag.CryptographicLength] = AttributeFlags.ReadOnly,
        [Tag.CryptographicParameters] = AttributeFlags.Multi,
        [Tag.CryptographicDomainParameters] = AttributeFlags.ReadOnly,
        [Tag.CertificateType] = AttributeFlags.ReadOnly,
        [Tag.CertificateLength] = AttributeFlags.ReadOnly,
        [Tag.X_509CertificateIdentifier] = AttributeFlags.ReadOnly,
        [Tag.X_509CertificateSubject] = AttributeFlags.ReadOnly,
        [Tag.X_509CertificateIssuer] = AttributeFlags.ReadOnly,
        [Tag.CertificateSubjectCN] = AttributeFlags.ReadOnly | AttributeFlags.Multi,
        [Tag.CertificateSubjectO] = AttributeFlags.ReadOnly | AttributeFlags.Multi,
        [Tag.CertificateSubjectOU] = AttributeFlags.ReadOnly | AttributeFlags.Multi,
        [Tag.CertificateSubjectEmail] = AttributeFlags.ReadOnly | AttributeFlags.Multi,
        [Tag.CertificateSubjectC] = AttributeFlags.ReadOnly | AttributeFlags.Multi,
        [Tag.CertificateSubjectST] = AttributeFlags.ReadOnly | AttributeFlags.Multi,
        [Tag.CertificateSubjectL] = AttributeFlags.ReadOnly | AttributeFlags.Multi,
        [Tag.CertificateSubjectUID] = AttributeFlags.ReadOnly | AttributeFlags.Multi,
        [Tag.CertificateSubjectSerialNumber] = AttributeFlags.ReadOnly | AttributeFlags.Multi,
        [Tag.CertificateSubjectTitle] = AttributeFlags.ReadOnly | AttributeFlags.Multi,
        [Tag.CertificateSubjectDC] = AttributeFlags.ReadOnly | AttributeFlags.Multi,
        [Tag.CertificateSubjectDNQualifier] = AttributeFlags.ReadOnly | AttributeFlags.Multi,
        [Tag.CertificateIssuerCN] = AttributeFlags.ReadOnly | AttributeFlags.Multi,
        [Tag.CertificateIssuerO] = AttributeFlags.ReadOnly | AttributeFlags.Multi,
        [Tag.CertificateIssuerOU] = AttributeFlags.ReadOnly | AttributeFlags.Multi,
        [Tag.CertificateIssuerEmail] = AttributeFlags.ReadOnly | AttributeFlags.Multi,
        [Tag.CertificateIssuerC] = AttributeFlags.ReadOnly | AttributeFlags.Multi,
        [Tag.CertificateIssuerST] = AttributeFlags.ReadOnly | AttributeFlags.Multi,
        [Tag.CertificateIssuerL] = AttributeFlags.ReadOnly | AttributeFlags.Multi,
        [Tag.CertificateIssuerUID] = AttributeFlags.ReadOnly | AttributeFlags.Multi,
        [Tag.CertificateIssuerSerialNumber] = AttributeFlags.ReadOnly | AttributeFlags.Multi,
        [Tag.CertificateIssuerTitle] = AttributeFlags.ReadOnly | AttributeFlags.Multi,
        [Tag.CertificateIssuerDC] = AttributeFlags.ReadOnly | AttributeFlags.Multi,
        [Tag.CertificateIssuerDNQualifier] = AttributeFlags.ReadOnly | AttributeFlags.Multi,
        [Tag.CertificateIdentifier] = AttributeFlags.ReadOnly,
        [Tag.CertificateSubject] = AttributeFlags.ReadOnly,
        [Tag.CertificateIssuer] = AttributeFlags.ReadOnly,
        [Tag.DigitalSignatureAlgorithm] = AttributeFlags.ReadOnly | AttributeFlags.Multi,
        [Tag.Digest] = AttributeFlags.ServerOnly | AttributeFlags.ReadOnly | AttributeFlags.Multi,
        [Tag.OperationPolicyName] = AttributeFlags.None,
        [Tag.CryptographicUsageMask] = AttributeFlags.None,
        [Tag.LeaseTime] = AttributeFlags.ServerOnly | AttributeFlags.ReadOnly,
        [Tag.UsageLimits] = AttributeFlags.ReadOnly,
        [Tag.State] = AttributeFlags.ServerOnly | AttributeFlags.ReadOnly,
        [Tag.InitialDate] = AttributeFlags.ServerOnly | AttributeFlags.ReadOnly,
        [Tag.ActivationDate] = AttributeFlags.None,
        [Tag.ProcessStartDate] = AttributeFlags.None,
        [Tag.ProtectStopDate] = AttributeFlags.None,
        [Tag.DeactivationDate] = AttributeFlags.None,
        [Tag.DestroyDate] = AttributeFlags.ServerOnly | AttributeFlags.ReadOnly,
        [Tag.CompromiseOccurrenceDate] = AttributeFlags.ServerOnly | AttributeFlags.ReadOnly,
        [Tag.CompromiseDate] = AttributeFlags.ServerOnly | AttributeFlags.ReadOnly,
        [Tag.RevocationReason] = AttributeFlags.ServerOnly | AttributeFlags.ReadOnly,
        [Tag.ArchiveDate] = AttributeFlags.ServerOnly | AttributeFlags.ReadOnly,
        [Tag.ObjectGroup] = AttributeFlags.Multi,
        [Tag.Fresh] = AttributeFlags.ReadOnly,
        [Tag.Link] = AttributeFlags.Multi,
        [Tag.ApplicationSpecificInformation] = AttributeFlags.Multi,
        [Tag.ContactInformation] = AttributeFlags.None,
        [Tag.LastChangeDate] = AttributeFlags.ServerOnly | AttributeFlags.ReadOnly,
        [Tag.CustomAttribute] = AttributeFlags.Multi,
        [Tag.AlternativeName] = AttributeFlags.Multi,
        [Tag.KeyValuePresent] = AttributeFlags.ServerOnly | AttributeFlags.ReadOnly,
        [Tag.KeyValueLocation] = AttributeFlags.Multi,
        [Tag.OriginalCreationDate] = AttributeFlags.ReadOnly,
        [Tag.RandomNumberGenerator] = AttributeFlags.ReadOnly,
        [Tag.PKCS_12FriendlyName] = AttributeFlags.None,
        [Tag.Description] = AttributeFlags.None,
        [Tag.Comment] = AttributeFlags.None,
        [Tag.Sensitive] = AttributeFlags.None,
        [Tag.AlwaysSensitive] = AttributeFlags.ServerOnly | AttributeFlags.ReadOnly,
        [Tag.Extractable] = AttributeFlags.None,
        [Tag.NeverExtractable] = AttributeFlags.ServerOnly | AttributeFlags.ReadOnly,
        [Tag.ShortUniqueIdentifier] = AttributeFlags.ServerOnly | AttributeFlags.ReadOnly,
        [Tag.NISTKeyType] = AttributeFlags.None,
        [Tag.QuantumSafe] = AttributeFlags.None,
        [Tag.ProtectionLevel] = AttributeFlags.None,
        [Tag.ProtectionPeriod] = AttributeFlags.None,
        [Tag.ProtectionStorageMask] = AttributeFlags.None,
        [Tag.CertificateRequestUniqueIdentifier] = AttributeFlags.ReadOnly,
        [Tag.KeyFormatType] = AttributeFlags.ReadOnly,
        [Tag.RotateInterval] = AttributeFlags.None,
        [Tag.RotateAutomatic] = AttributeFlags.None,
        [Tag.RotateOffset] = AttributeFlags.None,
        [Tag.RotateDate] = AttributeFlags.None,
        [Tag.RotateGeneration] = AttributeFlags.ServerOnly | AttributeFlags.ReadOnly,
        [Tag.RotateName] = AttributeFlags.None,
        [Tag.RotateLatest] = AttributeFlags.ServerOnly | AttributeFlags.ReadOnly,
        [Tag.Attribute] = AttributeFlags.Multi, // a 2.x Vendor Attribute; one instance per (vendor, name) value
    }.ToFrozenDictionary();

    /// <summary>Whether <paramref name="tag"/> names an attribute the engine knows.</summary>
    public static bool IsKnown(Tag tag) => s_rules.ContainsKey(tag);

    public static AttributeFlags Flags(Tag tag) => s_rules.GetValueOrDefault(tag);

    public static bool IsMulti(Tag tag) => (Flags(tag) & AttributeFlags.Multi) != 0;
    public static bool IsServerOnly(Tag tag) => (Flags(tag) & AttributeFlags.ServerOnly) != 0;
    public static bool IsReadOnly(Tag tag) => (Flags(tag) & AttributeFlags.ReadOnly) != 0;

    /// <summary>The date attributes (two Locate instances form an inclusive range).</summary>
    public static bool IsDate(Tag tag) => tag is Tag.InitialDate or Tag.ActivationDate or Tag.ProcessStartDate or Tag.ProtectStopDate
        or Tag.DeactivationDate or Tag.DestroyDate or Tag.CompromiseOccurrenceDate or Tag.CompromiseDate or Tag.ArchiveDate
        or Tag.LastChangeDate or Tag.OriginalCreationDate or Tag.RotateDate;

    /// <summary>
    /// Whether an attribute may be returned to a client of <paramref name="version"/>: the tag's version range,
    /// except for tags that existed as fields before they became attributes (Description, Comment, Key Format Type: 2.0).
    /// </summary>
    public static bool ExistsIn(Tag tag, KmipVersion version)
    {
        if (tag is Tag.Description or Tag.Comment or Tag.KeyFormatType && version.Major < 2) return false;
        var info = KmipNames.FindTag(tag);
        return info is not null && info.ExistsIn(version);
    }
}
