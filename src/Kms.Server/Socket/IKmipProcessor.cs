using System.Buffers;
using Kms.Engine;

namespace Kms.Server.Socket;

/// <summary>
/// What the transports call with one whole binary TTLV RequestMessage: the engine, or the benchmark echo.
/// Implementations never throw on bad input and write exactly one ResponseMessage.
/// </summary>
public interface IKmipProcessor
{
    /// <summary>
    /// Processes <paramref name="request"/> (read only before this method returns) and writes the response; the task
    /// completes once the response is written (for a state-changing request, after its change is durable).
    /// </summary>
    /// <returns><see cref="MessageOutcome.CodecError"/> when the socket must close after sending the response.</returns>
    ValueTask<MessageOutcome> ProcessAsync(ReadOnlyMemory<byte> request, IBufferWriter<byte> response, CallerIdentity caller);
}
