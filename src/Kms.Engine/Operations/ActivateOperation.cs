using Kms.Engine.Access;
using Kms.Engine.Model;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Operations;

/// <summary>
/// Activate (KMIP 2.1 §6.1.1; 1.4 §4.19): Pre-Active → Active, Activation Date = now. Any other state
/// fails with Wrong Key Lifecycle State (1.x Permission Denied). Owner only.
/// </summary>
internal sealed class ActivateOperation : IKmipOperation
{
    public Operation Operation => Operation.Activate;

    public TtlvElement Execute(OperationContext ctx, TtlvElement payload)
    {
        var id = ctx.ResolveId(payload);
        var obj = ctx.Load(id, Permission.None);
        if (obj.ObjectType is ObjectType.OpaqueObject) throw new KmipFault(ResultReason.IllegalObjectType, "Opaque objects have no lifecycle to activate", ResultReason.InvalidField);
        Lifecycle.Require(obj, "Only a Pre-Active object can be activated", State.PreActive);
        obj.SetSingle(TtlvElement.DateTime(Tag.ActivationDate, ctx.Now));
        obj.SetSingle(TtlvElement.Enumeration(Tag.State, (uint)State.Active));
        Lifecycle.Refresh(obj, ctx.Now);
        ctx.Save(obj);
        return OperationContext.PayloadWithId(id);
    }
}
