using Kms.Engine.Model;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Operations;

/// <summary>
/// Log (KMIP 2.1 §6.1.29, 2.0+): a client message for the server's log. The batch item is audited like
/// every other; the message text itself is not forwarded (it is client-controlled).
/// </summary>
internal sealed class LogOperation : IKmipOperation
{
    private const int MaxLogMessage = 4096;

    public Operation Operation => Operation.Log;

    public TtlvElement Execute(OperationContext ctx, TtlvElement payload)
    {
        if (payload.Find(Tag.LogMessage) is not { Type: ItemType.TextString } message) throw KmipFault.Missing("Log Message is required");
        if (message.Text.Length > MaxLogMessage) throw KmipFault.Invalid("Log Message too long");
        return TtlvElement.Structure(Tag.ResponsePayload);
    }
}
