using Kms.Engine.Model;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Operations;

/// <summary>
/// The Usage Limits attribute (KMIP 2.1 §4.60, 1.4 §3.21): a budget on applying protection with a key (Encrypt,
/// Sign, MAC). Usage Limits Total is the budget, Usage Limits Count what is left (set to the Total on first use
/// when the client gave none), Usage Limits Unit counts bytes of data (Byte) or uses (Object). A use that the
/// remaining count does not cover fails with Permission Denied (OASIS CS-BC-M-7) before any work is done; a use
/// that fits is deducted and the object staged, so the count survives a restart with the rest of the object.
/// </summary>
internal static class UsageLimits
{
    /// <summary>Whether <paramref name="obj"/> has a Usage Limits budget, so that each use must be deducted and saved.</summary>
    public static bool Applies(ManagedObject obj) => Budget(obj) is not null;

    private static TtlvElement? Budget(ManagedObject obj) => obj.Get(Tag.UsageLimits) is { Type: ItemType.Structure } limits ? limits : null;

    /// <summary>Deducts one use of <paramref name="dataLength"/> bytes from <paramref name="obj"/>'s Usage Limits, if it has any.</summary>
    public static void Consume(OperationContext ctx, ManagedObject obj, long dataLength)
    {
        if (Budget(obj) is not { } limits) return;
        var unit = limits.Find(Tag.UsageLimitsUnit) is { Type: ItemType.Enumeration } u ? (UsageLimitsUnit)u.UInt32 : UsageLimitsUnit.Object;
        long total = limits.Find(Tag.UsageLimitsTotal) is { Type: ItemType.LongInteger } t ? t.Number : 0;
        long left = limits.Find(Tag.UsageLimitsCount) is { Type: ItemType.LongInteger } c ? c.Number : total;
        long use = unit == UsageLimitsUnit.Byte ? dataLength : 1;
        if (left < use) throw new KmipFault(ResultReason.PermissionDenied, "The usage limit of the key is reached");
        var updated = TtlvElement.Structure(Tag.UsageLimits,
            TtlvElement.LongInteger(Tag.UsageLimitsTotal, total),
            TtlvElement.LongInteger(Tag.UsageLimitsCount, left - use),
            TtlvElement.Enumeration(Tag.UsageLimitsUnit, (uint)unit));
        obj.SetSingle(updated);
        ctx.Save(obj);
    }
}
