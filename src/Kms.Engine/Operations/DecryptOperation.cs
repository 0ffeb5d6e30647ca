using Kms.Engine.Crypto;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Operations;

/// <summary>
/// Decrypt (KMIP 2.1 §6.1.11; 1.4 §4.30): see <see cref="CipherCore"/>. Needs a key with the Decrypt usage in
/// state Active, Deactivated or Compromised, and the Decrypt right. A bad AEAD tag or bad padding is
/// Cryptographic Failure.
/// </summary>
internal sealed class DecryptOperation : IKmipOperation
{
    private readonly CorrelationTable<IDisposable> _streams = new();

    public Operation Operation => Operation.Decrypt;

    public TtlvElement Execute(OperationContext ctx, TtlvElement payload) => CipherCore.Run(ctx, payload, encrypt: false, _streams);
}
