using Kms.Engine.Access;
using Kms.Engine.Crypto;
using Kms.Engine.Model;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Operations;

/// <summary>
/// Sign (KMIP 2.1 §6.1.49; 1.4 §4.31): signs Data, or Digested Data (RSA, ECDSA), with a Private Key — RSA
/// PKCS#1 v1.5 and PSS, ECDSA (DER signature), Ed25519/Ed448, ML-DSA, SLH-DSA. The Cryptographic Parameters
/// (request over the object's attribute) give the Digital Signature Algorithm, or Hashing Algorithm and
/// Padding Method. Needs an Active key with the Sign usage and the Sign right. Returns Signature Data.
/// </summary>
internal sealed class SignOperation : IKmipOperation
{
    public Operation Operation => Operation.Sign;

    public TtlvElement Execute(OperationContext ctx, TtlvElement payload)
    {
        var obj = CryptoSupport.LoadKey(ctx, payload, Permission.Sign, CryptographicUsageMask.Sign, State.Active);
        var (p, data) = SignatureInput.Read(obj, payload);
        UsageLimits.Consume(ctx, obj, data.Length);
        var pkcs8 = CryptoSupport.PrivateKey(obj);
        try
        {
            var signature = CryptoSupport.Run(() => Signer.Sign(CryptoSupport.Policy(ctx), p, pkcs8, data));
            return OperationContext.PayloadWithId(obj.Id, TtlvElement.ByteString(Tag.SignatureData, signature));
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(pkcs8);
        }
    }
}

/// <summary>The signature parameters and the signed bytes of a Sign / Signature Verify request.</summary>
internal static class SignatureInput
{
    public static (SignatureParameters Parameters, byte[] Data) Read(ManagedObject obj, TtlvElement payload)
    {
        var parameters = CryptoSupport.Parameters(obj, payload);
        var digested = CryptoSupport.Bytes(payload, Tag.DigestedData);
        var data = CryptoSupport.Bytes(payload, Tag.Data);
        if (data is not null && digested is not null) throw KmipFault.Invalid("Data and Digested Data are exclusive");
        var input = data ?? digested ?? throw KmipFault.Missing("Data or Digested Data is required");
        var dsa = CryptoSupport.Enum<DigitalSignatureAlgorithm>(parameters, Tag.DigitalSignatureAlgorithm);
        var p = dsa != 0
            ? CryptoSupport.Run(() => SignatureParameters.From(dsa, digested is not null))
            : new SignatureParameters(CryptoSupport.Enum<HashingAlgorithm>(parameters, Tag.HashingAlgorithm),
                CryptoSupport.Enum<PaddingMethod>(parameters, Tag.PaddingMethod), digested is not null);
        if (CryptoSupport.Int(parameters, Tag.SaltLength) is { } salt)
        {
            if (salt is < 0 or > 1024) throw KmipFault.Invalid("Salt Length out of range");
            p = p with { SaltLength = salt };
        }
        return (p, input);
    }
}
