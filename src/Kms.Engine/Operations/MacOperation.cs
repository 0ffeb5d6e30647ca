using Kms.Engine.Access;
using Kms.Engine.Crypto;
using Kms.Engine.Model;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Operations;

/// <summary>
/// MAC (KMIP 2.1 §6.1.29; 1.4 §4.33): HMAC (SHA-1/SHA-2/SHA-3) with an HMAC key, AES-CMAC with an AES key;
/// the algorithm is the Cryptographic Parameters' Cryptographic Algorithm, else the key's. Needs an Active
/// key with the MAC Generate usage and the MAC right. Returns MAC Data.
/// </summary>
internal sealed class MacOperation : IKmipOperation
{
    public Operation Operation => Operation.MAC;

    public TtlvElement Execute(OperationContext ctx, TtlvElement payload)
    {
        var obj = CryptoSupport.LoadKey(ctx, payload, Permission.Mac, CryptographicUsageMask.MACGenerate, State.Active);
        var (alg, key, data) = MacInput.Read(obj, payload);
        UsageLimits.Consume(ctx, obj, data.Length);
        var mac = CryptoSupport.Run(() => MacCalculator.Compute(CryptoSupport.Policy(ctx), alg, key, data));
        return OperationContext.PayloadWithId(obj.Id, TtlvElement.ByteString(Tag.MACData, mac));
    }
}

internal static class MacInput
{
    public static (CryptographicAlgorithm Algorithm, byte[] Key, byte[] Data) Read(ManagedObject obj, TtlvElement payload)
    {
        var parameters = CryptoSupport.Parameters(obj, payload);
        var alg = CryptoSupport.Enum<CryptographicAlgorithm>(parameters, Tag.CryptographicAlgorithm) is var a and not 0 ? a : CryptoSupport.Algorithm(obj);
        var data = CryptoSupport.Bytes(payload, Tag.Data) ?? throw KmipFault.Missing("Data is required");
        return (alg, CryptoSupport.SymmetricKey(obj), data);
    }
}
