using Kms.Engine.Access;
using Kms.Engine.Crypto;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Operations;

/// <summary>
/// MAC Verify (KMIP 2.1 §6.1.30; 1.4 §4.34): recomputes the MAC (as <see cref="MacOperation"/>) and compares it
/// with MAC Data in constant time; the answer is the Validity Indicator. Needs the MAC Verify usage, an
/// Active, Deactivated or Compromised key and the MAC right.
/// </summary>
internal sealed class MacVerifyOperation : IKmipOperation
{
    public Operation Operation => Operation.MACVerify;

    public TtlvElement Execute(OperationContext ctx, TtlvElement payload)
    {
        var obj = CryptoSupport.LoadKey(ctx, payload, Permission.Mac, CryptographicUsageMask.MACVerify, State.Active, State.Deactivated, State.Compromised);
        var (alg, key, data) = MacInput.Read(obj, payload);
        var mac = CryptoSupport.Bytes(payload, Tag.MACData) ?? throw Model.KmipFault.Missing("MAC Data is required");
        bool valid = CryptoSupport.Run(() => MacCalculator.Verify(CryptoSupport.Policy(ctx), alg, key, data, mac));
        return OperationContext.PayloadWithId(obj.Id,
            TtlvElement.Enumeration(Tag.ValidityIndicator, (uint)(valid ? ValidityIndicator.Valid : ValidityIndicator.Invalid)));
    }
}
