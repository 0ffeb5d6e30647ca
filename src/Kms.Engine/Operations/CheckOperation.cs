using Kms.Engine.Access;
using Kms.Engine.Model;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Operations;

/// <summary>
/// Check (KMIP 2.1 §6.1.3; 1.4 §4.10): checks that the object may be used with the given Cryptographic
/// Usage Mask (bits must all be allowed: Incompatible Cryptographic Usage Mask, 1.x Permission Denied)
/// and that a destroyed object is not checked (Object Destroyed, 1.x Item Not Found). Usage limits and
/// leases are not tracked yet, so Usage Limits Count and Lease Time always pass. Sets the ID Placeholder.
/// Needs GetAttributes.
/// </summary>
internal sealed class CheckOperation : IKmipOperation
{
    public Operation Operation => Operation.Check;

    public TtlvElement Execute(OperationContext ctx, TtlvElement payload)
    {
        var id = ctx.ResolveId(payload);
        var obj = ctx.Load(id, Permission.GetAttributes);
        if (obj.IsDestroyed) throw new KmipFault(ResultReason.ObjectDestroyed, "Object destroyed", ResultReason.ItemNotFound);
        if (payload.Find(Tag.CryptographicUsageMask) is { Type: ItemType.Integer } mask)
            Lifecycle.RequireUsage(obj, (CryptographicUsageMask)(uint)mask.Int32);
        ctx.Batch.IdPlaceholder = id;
        return OperationContext.PayloadWithId(id);
    }
}
