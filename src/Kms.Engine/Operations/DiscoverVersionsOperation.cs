using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Operations;

/// <summary>
/// Discover Versions (KMIP 2.1 §6.1.16; 1.1+): the intersection of the client's versions with the server's,
/// in the server's preference order (newest first); every server version when the client lists none.
/// No access check: it reveals nothing about objects.
/// </summary>
internal sealed class DiscoverVersionsOperation : IKmipOperation
{
    public Operation Operation => Operation.DiscoverVersions;

    public TtlvElement Execute(OperationContext ctx, TtlvElement payload)
    {
        var asked = new List<KmipVersion>();
        foreach (var pv in payload.FindAll(Tag.ProtocolVersion))
        {
            if (pv.Find(Tag.ProtocolVersionMajor) is { Type: ItemType.Integer } major && pv.Find(Tag.ProtocolVersionMinor) is { Type: ItemType.Integer } minor)
                asked.Add(new KmipVersion(major.Int32, minor.Int32));
            else throw Model.KmipFault.Invalid("Malformed Protocol Version");
        }
        var response = TtlvElement.Structure(Tag.ResponsePayload);
        foreach (var v in KmipVersion.All)
        {
            if (asked.Count == 0 || asked.Contains(v))
                response.Children.Add(TtlvElement.Structure(Tag.ProtocolVersion,
                    TtlvElement.Integer(Tag.ProtocolVersionMajor, v.Major), TtlvElement.Integer(Tag.ProtocolVersionMinor, v.Minor)));
        }
        return response;
    }
}
