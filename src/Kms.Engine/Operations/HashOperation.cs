using Kms.Engine.Crypto;
using Kms.Engine.Model;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Operations;

/// <summary>Hash (KMIP 2.1 §6.1.23; 1.4 §4.39): the digest of Data with the Cryptographic Parameters' Hashing Algorithm (SHA-1/SHA-2/SHA-3, policy permitting). Needs no key.</summary>
internal sealed class HashOperation : IKmipOperation
{
    public Operation Operation => Operation.Hash;

    public TtlvElement Execute(OperationContext ctx, TtlvElement payload)
    {
        var parameters = payload.Find(Tag.CryptographicParameters) ?? throw KmipFault.Missing("Cryptographic Parameters are required");
        var hash = CryptoSupport.Enum<HashingAlgorithm>(parameters, Tag.HashingAlgorithm);
        if (hash == 0) throw KmipFault.Missing("Hashing Algorithm is required");
        var data = CryptoSupport.Bytes(payload, Tag.Data) ?? throw KmipFault.Missing("Data is required");
        var digest = CryptoSupport.Run(() => Hasher.Compute(CryptoSupport.Policy(ctx), hash, data));
        return TtlvElement.Structure(Tag.ResponsePayload, TtlvElement.ByteString(Tag.Data, digest));
    }
}
