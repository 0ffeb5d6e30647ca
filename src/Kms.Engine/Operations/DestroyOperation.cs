using Kms.Engine.Access;
using Kms.Engine.Model;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Operations;

/// <summary>
/// Destroy (KMIP 2.1 §6.1.15; 1.4 §4.21): removes the key material and keeps the metadata (Get then fails,
/// Get Attributes still works). Pre-Active and Deactivated → Destroyed, Compromised → Destroyed
/// Compromised; an Active object fails with Wrong Key Lifecycle State (1.x Permission Denied), as the
/// AKLC-M-2 test cases expect; an already destroyed one with Object Destroyed (1.x Item Not Found).
/// Destroy Date = now, Key Value Present = false. Needs Destroy.
/// </summary>
internal sealed class DestroyOperation : IKmipOperation
{
    public Operation Operation => Operation.Destroy;

    public TtlvElement Execute(OperationContext ctx, TtlvElement payload)
    {
        var id = ctx.ResolveId(payload);
        var obj = ctx.Load(id, Permission.Destroy);
        var state = obj.StoredState;
        if (obj.IsDestroyed) throw new KmipFault(ResultReason.ObjectDestroyed, "Object already destroyed", ResultReason.ItemNotFound);
        if (state == State.Active) throw KmipFault.WrongState("An Active object must be revoked before it is destroyed");
        var next = state == State.Compromised ? State.DestroyedCompromised : State.Destroyed;
        obj.Value = null;
        obj.SetSingle(TtlvElement.Enumeration(Tag.State, (uint)next));
        obj.SetSingle(TtlvElement.DateTime(Tag.DestroyDate, ctx.Now));
        if (obj.Get(Tag.KeyValuePresent) is not null) obj.SetSingle(TtlvElement.Boolean(Tag.KeyValuePresent, false));
        ctx.Save(obj);
        return OperationContext.PayloadWithId(id);
    }
}
