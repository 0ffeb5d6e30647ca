using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Model;

/// <summary>
/// The KMIP key lifecycle (KMIP 2.1 §3.1, Figure 1): Pre-Active → Active → Deactivated; any of these →
/// Compromised (Revoke with Key/CA Compromise); Pre-Active, Deactivated and Compromised → Destroyed /
/// Destroyed Compromised; Destroyed → Destroyed Compromised. Dates drive transitions, evaluated when an
/// object is read: a reached Activation Date makes a Pre-Active object Active, a reached Deactivation
/// Date makes a Pre-Active or Active object Deactivated.
/// </summary>
internal static class Lifecycle
{
    /// <summary>Applies the date-driven transitions; returns true when the state changed.</summary>
    public static bool Refresh(ManagedObject obj, long now)
    {
        var state = obj.StoredState;
        var next = Effective(obj, now);
        if (next == state) return false;
        obj.SetSingle(TtlvElement.Enumeration(Tag.State, (uint)next));
        return true;
    }

    /// <summary>The state the object is in at <paramref name="now"/>.</summary>
    public static State Effective(ManagedObject obj, long now)
        => Effective(obj.StoredState, obj.Date(Tag.ActivationDate), obj.Date(Tag.DeactivationDate), now);

    /// <summary>The state at <paramref name="now"/> of an object stored in <paramref name="stored"/> with these dates.</summary>
    public static State Effective(State stored, long? activationDate, long? deactivationDate, long now)
    {
        var state = stored;
        if (state == State.PreActive && activationDate is { } a && a <= now) state = State.Active;
        if (state is State.PreActive or State.Active && deactivationDate is { } d && d <= now) state = State.Deactivated;
        return state;
    }

    /// <summary>Fails with Wrong Key Lifecycle State (1.x: Permission Denied) unless the state is one of <paramref name="allowed"/>.</summary>
    public static void Require(ManagedObject obj, string what, params ReadOnlySpan<State> allowed)
    {
        var s = obj.StoredState;
        foreach (var a in allowed) if (a == s) return;
        throw KmipFault.WrongState(what);
    }

    /// <summary>
    /// Fails with Incompatible Cryptographic Usage Mask (1.x: Permission Denied) unless the object's mask
    /// contains every bit of <paramref name="required"/> (used by the cryptographic operations and Check).
    /// </summary>
    public static void RequireUsage(ManagedObject obj, CryptographicUsageMask required)
    {
        if (UsageFault(obj, required) is { } fault) throw fault;
    }

    /// <summary>The fault of <see cref="RequireUsage"/>, or null when the mask holds every bit of <paramref name="required"/>.</summary>
    public static KmipFault? UsageFault(ManagedObject obj, CryptographicUsageMask required) => UsageFault(obj.UsageMask, required);

    /// <summary><see cref="UsageFault(ManagedObject, CryptographicUsageMask)"/> for an object whose mask is <paramref name="mask"/>.</summary>
    public static KmipFault? UsageFault(CryptographicUsageMask mask, CryptographicUsageMask required)
        => (mask & required) == required ? null
        : new KmipFault(ResultReason.IncompatibleCryptographicUsageMask, "Cryptographic Usage Mask does not allow this use", ResultReason.PermissionDenied);
}
