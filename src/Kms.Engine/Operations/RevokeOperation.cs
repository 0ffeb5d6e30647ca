using Kms.Engine.Access;
using Kms.Engine.Model;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Operations;

/// <summary>
/// Revoke (KMIP 2.1 §6.1.42; 1.4 §4.20). Revocation Reason is required (Missing Data). Key Compromise and
/// CA Compromise: Pre-Active/Active/Deactivated/Compromised → Compromised, Destroyed → Destroyed
/// Compromised; Compromise Date = now, Compromise Occurrence Date = the given one or now. Any other reason:
/// Pre-Active or Active → Deactivated with Deactivation Date = now; Deactivated stays; Compromised or
/// destroyed objects fail with Wrong Key Lifecycle State (1.x Permission Denied). Needs Revoke.
/// </summary>
internal sealed class RevokeOperation : IKmipOperation
{
    public Operation Operation => Operation.Revoke;

    public TtlvElement Execute(OperationContext ctx, TtlvElement payload)
    {
        var id = ctx.ResolveId(payload);
        var reason = payload.Find(Tag.RevocationReason);
        if (reason is not { Type: ItemType.Structure } || reason.Find(Tag.RevocationReasonCode) is not { Type: ItemType.Enumeration } code)
            throw KmipFault.Missing("Revocation Reason is required");
        var occurrence = payload.Find(Tag.CompromiseOccurrenceDate);
        if (occurrence is not null and not { Type: ItemType.DateTime }) throw KmipFault.Invalid("Compromise Occurrence Date must be a Date-Time");

        var obj = ctx.Load(id, Permission.Revoke);
        var state = obj.StoredState;
        var rc = (RevocationReasonCode)code.UInt32;
        if (rc is RevocationReasonCode.KeyCompromise or RevocationReasonCode.CACompromise)
        {
            if (state == State.DestroyedCompromised) throw KmipFault.WrongState("Object is already destroyed and compromised");
            var next = state == State.Destroyed ? State.DestroyedCompromised : State.Compromised;
            obj.SetSingle(TtlvElement.Enumeration(Tag.State, (uint)next));
            obj.SetSingle(TtlvElement.DateTime(Tag.CompromiseDate, ctx.Now));
            obj.SetSingle(TtlvElement.DateTime(Tag.CompromiseOccurrenceDate, occurrence?.Number ?? ctx.Now));
        }
        else
        {
            Lifecycle.Require(obj, "The object cannot be revoked in its state", State.PreActive, State.Active, State.Deactivated);
            if (state != State.Deactivated)
            {
                obj.SetSingle(TtlvElement.Enumeration(Tag.State, (uint)State.Deactivated));
                obj.SetSingle(TtlvElement.DateTime(Tag.DeactivationDate, ctx.Now));
            }
        }
        var stored = TtlvElement.Structure(Tag.RevocationReason, TtlvElement.Enumeration(Tag.RevocationReasonCode, code.UInt32));
        if (reason.Find(Tag.RevocationMessage) is { Type: ItemType.TextString } msg) stored.Children.Add(msg);
        obj.SetSingle(stored);
        ctx.Save(obj);
        return OperationContext.PayloadWithId(id);
    }
}
