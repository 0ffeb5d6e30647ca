using Kms.Engine.Crypto;
using Kms.Engine.Model;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Operations;

/// <summary>RNG Retrieve (KMIP 2.1 §6.1.44; 1.4 §4.35): Data Length bytes (1..<see cref="MaxLength"/>) from the OS CSPRNG.</summary>
internal sealed class RngRetrieveOperation : IKmipOperation
{
    public const int MaxLength = 1 << 16;

    public Operation Operation => Operation.RNGRetrieve;

    public TtlvElement Execute(OperationContext ctx, TtlvElement payload)
    {
        if (payload.Find(Tag.DataLength) is not { Type: ItemType.Integer } length) throw KmipFault.Missing("Data Length is required");
        if (length.Int32 is <= 0 or > MaxLength) throw KmipFault.Invalid("Data Length out of range");
        return TtlvElement.Structure(Tag.ResponsePayload, TtlvElement.ByteString(Tag.Data, RandomSource.Get(length.Int32, MaxLength)));
    }
}
