using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Operations;

/// <summary>
/// Query (KMIP 2.1 §6.1.37; 1.4 §4.25): Query Operations (the operations this engine serves that exist in
/// the request's version), Query Objects (the six object types), Query Server Information (Vendor
/// Identification and an empty Server Information), and (1.3+) Query Capabilities (Batch Undo/Continue
/// capability). Other query functions are accepted and contribute nothing.
/// </summary>
internal sealed class QueryOperation : IKmipOperation
{
    private static readonly ObjectType[] s_objectTypes =
        [ObjectType.Certificate, ObjectType.SymmetricKey, ObjectType.PublicKey, ObjectType.PrivateKey, ObjectType.SecretData, ObjectType.OpaqueObject];

    public Operation Operation => Operation.Query;

    public TtlvElement Execute(OperationContext ctx, TtlvElement payload)
    {
        var functions = new HashSet<QueryFunction>();
        foreach (var f in payload.FindAll(Tag.QueryFunction))
        {
            if (f.Type != ItemType.Enumeration) throw Model.KmipFault.Invalid("Query Function must be an enumeration");
            functions.Add((QueryFunction)f.UInt32);
        }
        var response = TtlvElement.Structure(Tag.ResponsePayload);
        var opInfo = KmipNames.EnumerationFor(Tag.Operation);
        if (functions.Contains(QueryFunction.QueryOperations))
        {
            foreach (var op in ctx.Engine.Operations.Keys.OrderBy(o => (uint)o))
                if (opInfo?.Find((uint)op) is not { } info || info.ExistsIn(ctx.Version))
                    response.Children.Add(TtlvElement.Enumeration(Tag.Operation, (uint)op));
        }
        if (functions.Contains(QueryFunction.QueryObjects))
        {
            foreach (var t in s_objectTypes) response.Children.Add(TtlvElement.Enumeration(Tag.ObjectType, (uint)t));
        }
        if (functions.Contains(QueryFunction.QueryServerInformation))
        {
            response.Children.Add(TtlvElement.TextString(Tag.VendorIdentification, ctx.Engine.Options.VendorIdentification));
            response.Children.Add(TtlvElement.Structure(Tag.ServerInformation));
        }
        if (Model.AttributeRules.ExistsIn(Tag.CapabilityInformation, ctx.Version) && functions.Contains(QueryFunction.QueryCapabilities))
        {
            response.Children.Add(TtlvElement.Structure(Tag.CapabilityInformation,
                TtlvElement.Boolean(Tag.BatchUndoCapability, true),
                TtlvElement.Boolean(Tag.BatchContinueCapability, true)));
        }
        return response;
    }
}
