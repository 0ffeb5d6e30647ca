using System.Buffers;
using Kms.Engine;

namespace Kms.Server.Socket;

/// <summary>The production processor: the engine's single entry point (KMIP 2.1 §8 message in, message out).</summary>
public sealed class EngineProcessor(KmsEngine engine) : IKmipProcessor
{
    /// <summary>The engine behind this processor.</summary>
    public KmsEngine Engine { get; } = engine;

    /// <inheritdoc/>
    public ValueTask<MessageOutcome> ProcessAsync(ReadOnlyMemory<byte> request, IBufferWriter<byte> response, CallerIdentity caller)
        => Engine.ProcessAsync(request, response, caller);
}
