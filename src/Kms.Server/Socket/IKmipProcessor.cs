using System.Buffers;
using Kms.Engine;

namespace Kms.Server.Socket;

/// <summary>
/// What the transports call with one whole binary TTLV RequestMessage: the engine, or the benchmark echo.
/// Implementations never throw on bad input and write exactly one ResponseMessage.
/// </summary>
public interface IKmipProcessor
{
    /// <summary>Processes <paramref name="request"/> (valid only during the call) and writes the response.</summary>
    /// <returns><see cref="MessageOutcome.CodecError"/> when the socket must close after sending the response.</returns>
    MessageOutcome Process(ReadOnlySpan<byte> request, IBufferWriter<byte> response, CallerIdentity caller);
}
