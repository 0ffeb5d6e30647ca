using Kms.Engine.Access;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Operations;

/// <summary>
/// Recover (KMIP 2.1 §6.1.39; 1.4 §4.23): brings an archived object back on-line (the Archive Date is
/// removed). Recovering an on-line object is a no-op. Sets the ID Placeholder. Owner only.
/// </summary>
internal sealed class RecoverOperation : IKmipOperation
{
    public Operation Operation => Operation.Recover;

    public TtlvElement Execute(OperationContext ctx, TtlvElement payload)
    {
        var id = ctx.ResolveId(payload);
        var obj = ctx.Load(id, Permission.None);
        if (obj.Archived)
        {
            obj.Archived = false;
            obj.Remove(Tag.ArchiveDate);
            ctx.Save(obj);
        }
        ctx.Batch.IdPlaceholder = id;
        return OperationContext.PayloadWithId(id);
    }
}
