using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Client;

/// <summary>Builders for request messages and payloads (KMIP 2.1 §7 message structure), and response unpacking.</summary>
public static class KmipRequests
{
    /// <summary>A RequestMessage with a header for <paramref name="version"/> and the given batch items.</summary>
    public static TtlvElement Message(KmipVersion version, params TtlvElement[] batchItems)
    {
        var header = TtlvElement.Structure(Tag.RequestHeader,
            TtlvElement.Structure(Tag.ProtocolVersion,
                TtlvElement.Integer(Tag.ProtocolVersionMajor, version.Major),
                TtlvElement.Integer(Tag.ProtocolVersionMinor, version.Minor)),
            TtlvElement.Integer(Tag.BatchCount, batchItems.Length));
        return TtlvElement.Structure(Tag.RequestMessage, [header, .. batchItems]);
    }

    /// <summary>A Batch Item for <paramref name="operation"/> with its Request Payload.</summary>
    public static TtlvElement BatchItem(Operation operation, TtlvElement payload) =>
        TtlvElement.Structure(Tag.BatchItem, TtlvElement.Enumeration(Tag.Operation, operation), payload);

    /// <summary>Create payload for an AES key usable for Encrypt and Decrypt (KMIP 2.1 Attributes form).</summary>
    public static TtlvElement CreateAesKeyPayload(int bits) =>
        TtlvElement.Structure(Tag.RequestPayload,
            TtlvElement.Enumeration(Tag.ObjectType, ObjectType.SymmetricKey),
            TtlvElement.Structure(Tag.Attributes,
                TtlvElement.Enumeration(Tag.CryptographicAlgorithm, CryptographicAlgorithm.AES),
                TtlvElement.Integer(Tag.CryptographicLength, bits),
                TtlvElement.Integer(Tag.CryptographicUsageMask, (int)(CryptographicUsageMask.Encrypt | CryptographicUsageMask.Decrypt))));

    /// <summary>A payload holding only a Unique Identifier (Get, Destroy, Activate, ...).</summary>
    public static TtlvElement IdPayload(string uniqueIdentifier) =>
        TtlvElement.Structure(Tag.RequestPayload, TtlvElement.TextString(Tag.UniqueIdentifier, uniqueIdentifier));

    /// <summary>Locate payload.</summary>
    public static TtlvElement LocatePayload(IEnumerable<TtlvElement> attributes, int? maximumItems)
    {
        var children = new List<TtlvElement>();
        if (maximumItems is { } max) children.Add(TtlvElement.Integer(Tag.MaximumItems, max));
        children.Add(TtlvElement.Structure(Tag.Attributes, attributes));
        return TtlvElement.Structure(Tag.RequestPayload, children);
    }

    /// <summary>The Response Payload of a one-item ResponseMessage; throws <see cref="KmipException"/> unless Success.</summary>
    public static TtlvElement? SinglePayload(TtlvElement response)
    {
        var item = response.Find(Tag.BatchItem) ?? throw new KmipException(ResultStatus.OperationFailed, null, "no Batch Item in the response");
        var status = (ResultStatus)(item.Find(Tag.ResultStatus)?.UInt32 ?? (uint)ResultStatus.OperationFailed);
        if (status != ResultStatus.Success)
        {
            var reason = item.Find(Tag.ResultReason) is { } r ? (ResultReason?)r.UInt32 : null;
            throw new KmipException(status, reason, item.Find(Tag.ResultMessage)?.Text);
        }
        return item.Find(Tag.ResponsePayload);
    }
}
