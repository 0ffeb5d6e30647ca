using Kms.Engine.Access;
using Kms.Engine.Crypto;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Operations;

/// <summary>
/// Signature Verify (KMIP 2.1 §6.1.50; 1.4 §4.32): verifies Signature Data over Data or Digested Data with a
/// Public Key or Certificate (algorithms as <see cref="SignOperation"/>); the answer is the Validity
/// Indicator (a malformed signature is Invalid). Needs the Verify usage, an Active, Deactivated or
/// Compromised key (verification processes existing signatures, KMIP 2.1 §3.1) and the Signature Verify right.
/// </summary>
internal sealed class SignatureVerifyOperation : IKmipOperation
{
    public Operation Operation => Operation.SignatureVerify;

    public TtlvElement Execute(OperationContext ctx, TtlvElement payload)
    {
        var obj = CryptoSupport.LoadKey(ctx, payload, Permission.SignatureVerify, CryptographicUsageMask.Verify, State.Active, State.Deactivated, State.Compromised);
        var (p, data) = SignatureInput.Read(obj, payload);
        var signature = CryptoSupport.Bytes(payload, Tag.SignatureData) ?? throw Model.KmipFault.Missing("Signature Data is required");
        var spki = CryptoSupport.PublicKey(obj);
        bool valid = CryptoSupport.Run(() => Signer.Verify(CryptoSupport.Policy(ctx), p, spki, data, signature));
        return OperationContext.PayloadWithId(obj.Id,
            TtlvElement.Enumeration(Tag.ValidityIndicator, (uint)(valid ? ValidityIndicator.Valid : ValidityIndicator.Invalid)));
    }
}
