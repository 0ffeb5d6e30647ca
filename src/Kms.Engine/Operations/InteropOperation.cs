using Kms.Engine.Model;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Operations;

/// <summary>
/// Interop (KMIP 2.1 §6.1.27, 2.0+): marks the Begin, End or Reset of an interoperability test
/// (Interop Function + Interop Identifier). The engine keeps no per-test state, so each is acknowledged.
/// </summary>
internal sealed class InteropOperation : IKmipOperation
{
    public Operation Operation => Operation.Interop;

    public TtlvElement Execute(OperationContext ctx, TtlvElement payload)
    {
        if (payload.Find(Tag.InteropFunction) is not { Type: ItemType.Enumeration } function) throw KmipFault.Missing("Interop Function is required");
        if (function.UInt32 is < (uint)InteropFunction.Begin or > (uint)InteropFunction.Reset) throw KmipFault.Invalid("Unknown Interop Function");
        return TtlvElement.Structure(Tag.ResponsePayload);
    }
}
