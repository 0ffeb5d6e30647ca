using Kms.Ttlv;

namespace Kms.Engine.Model;

/// <summary>
/// A failed batch item: the KMIP 2.x result reason, the reason a 1.x client gets when it differs, and a
/// fixed message. Thrown by the tree-based payload helpers and caught per batch item by the message
/// layer; the message never holds key material or exception text from elsewhere.
/// </summary>
internal sealed class KmipFault(ResultReason reason, string message, ResultReason? reason1x = null) : Exception(message)
{
    /// <summary>The reason as KMIP 2.x names it.</summary>
    public ResultReason Reason { get; } = reason;

    /// <summary>An explicit reason for 1.x clients, or null to use <see cref="Reasons.ForVersion"/>.</summary>
    public ResultReason? Reason1x { get; } = reason1x;

    /// <summary>Object Not Found (1.x Item Not Found).</summary>
    public static KmipFault NotFound() => new(ResultReason.ObjectNotFound, "Object not found", ResultReason.ItemNotFound);

    public static KmipFault Denied() => new(ResultReason.PermissionDenied, "Permission denied");
    public static KmipFault Invalid(string message) => new(ResultReason.InvalidField, message);
    public static KmipFault Missing(string message) => new(ResultReason.MissingData, message);
    public static KmipFault WrongState(string message) => new(ResultReason.WrongKeyLifecycleState, message, ResultReason.PermissionDenied);
}

/// <summary>Maps result reasons between protocol versions.</summary>
internal static class Reasons
{
    private static readonly EnumInfo? s_info = KmipNames.EnumerationFor(Tag.ResultReason);

    /// <summary>
    /// The reason to send to a client of <paramref name="version"/>. KMIP 1.x lacks the 2.x reasons
    /// (0x19 and above): they map to the closest 1.x reason (lifecycle and read-only violations →
    /// Permission Denied, as the 1.4 test cases AKLC-M-2 and SKLC-M-3 expect; not-found → Item Not Found;
    /// bad attributes → Invalid Field). A reason the version lacks otherwise becomes General Failure.
    /// </summary>
    public static ResultReason ForVersion(ResultReason reason, ResultReason? reason1x, KmipVersion version)
    {
        if (version.Major >= 2)
        {
            // 1.x-only reasons (Illegal Operation, Index Out of Bounds) are Reserved in 2.x.
            return reason switch
            {
                ResultReason.IllegalOperation => ResultReason.WrongKeyLifecycleState,
                ResultReason.IndexOutOfBounds => ResultReason.AttributeInstanceNotFound,
                _ => reason,
            };
        }
        var r = reason1x ?? reason switch
        {
            ResultReason.WrongKeyLifecycleState or ResultReason.AttributeReadOnly or ResultReason.ReadOnlyAttribute
                or ResultReason.NotAuthorised or ResultReason.IncompatibleCryptographicUsageMask => ResultReason.PermissionDenied,
            ResultReason.ObjectNotFound or ResultReason.ObjectDestroyed or ResultReason.AttributeNotFound => ResultReason.ItemNotFound,
            ResultReason.AttributeInstanceNotFound => ResultReason.IndexOutOfBounds,
            ResultReason.AttributeSingleValued => ResultReason.IllegalOperation,
            ResultReason.InvalidAttribute or ResultReason.InvalidAttributeValue or ResultReason.UnsupportedAttribute
                or ResultReason.NonUniqueNameAttribute or ResultReason.InvalidObjectType or ResultReason.IllegalObjectType
                or ResultReason.UnknownEnumeration or ResultReason.UnknownTag or ResultReason.InvalidDataType => ResultReason.InvalidField,
            ResultReason.CodecError => ResultReason.InvalidMessage,
            _ => reason,
        };
        var info = s_info?.Find((uint)r);
        if (info is not null && info.ExistsIn(version)) return r;
        return r is ResultReason.Sensitive or ResultReason.NotExtractable ? ResultReason.PermissionDenied : ResultReason.GeneralFailure;
    }
}
