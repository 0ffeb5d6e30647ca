using Kms.Engine.Crypto;
using Kms.Engine.Model;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Operations;

/// <summary>
/// RNG Seed (KMIP 2.1 §6.1.45; 1.4 §4.36): reads the Data; the OS CSPRNG cannot be seeded from outside, so
/// the answer's Data Length is what <see cref="RandomSource.Seed"/> reports as taken: 0. (The optional OASIS
/// cases CS-RNG-O-2/-4 describe other servers, one taking 16 bytes and one refusing seeds; they stay listed.)
/// </summary>
internal sealed class RngSeedOperation : IKmipOperation
{
    public Operation Operation => Operation.RNGSeed;

    public TtlvElement Execute(OperationContext ctx, TtlvElement payload)
    {
        var data = CryptoSupport.Bytes(payload, Tag.Data) ?? throw KmipFault.Missing("Data is required");
        return TtlvElement.Structure(Tag.ResponsePayload, TtlvElement.Integer(Tag.DataLength, RandomSource.Seed(data)));
    }
}
