using Kms.Engine.Crypto;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Operations;

/// <summary>Encrypt (KMIP 2.1 §6.1.18; 1.4 §4.29): see <see cref="CipherCore"/>. Needs an Active key with the Encrypt usage and the Encrypt right.</summary>
internal sealed class EncryptOperation : IKmipOperation
{
    private readonly CorrelationTable<IDisposable> _streams = new();

    public Operation Operation => Operation.Encrypt;

    public TtlvElement Execute(OperationContext ctx, TtlvElement payload) => CipherCore.Run(ctx, payload, encrypt: true, _streams);
}
