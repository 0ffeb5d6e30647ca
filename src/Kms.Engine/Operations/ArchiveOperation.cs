using Kms.Engine.Access;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Operations;

/// <summary>
/// Archive (KMIP 2.1 §6.1.5; 1.4 §4.22): moves the object to archival storage (Archive Date = now). An
/// archived object is found by Locate only with the Archival Storage bit, and Get fails with Object
/// Archived until Recover. Owner only.
/// </summary>
internal sealed class ArchiveOperation : IKmipOperation
{
    public Operation Operation => Operation.Archive;

    public TtlvElement Execute(OperationContext ctx, TtlvElement payload)
    {
        var id = ctx.ResolveId(payload);
        var obj = ctx.Load(id, Permission.None);
        if (!obj.Archived)
        {
            obj.Archived = true;
            obj.SetSingle(TtlvElement.DateTime(Tag.ArchiveDate, ctx.Now));
            ctx.Save(obj);
        }
        return OperationContext.PayloadWithId(id);
    }
}
