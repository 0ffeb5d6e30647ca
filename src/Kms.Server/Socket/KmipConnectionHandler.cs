using System.Buffers;
using System.IO.Pipelines;
using Kms.Engine;
using Kms.Server.Auth;
using Kms.Server.Configuration;
using Kms.Server.Logging;
using Kms.Ttlv;
using Kms.Ttlv.Framing;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Kms.Server.Socket;

/// <summary>
/// The KMIP socket (port 5696): runs after Kestrel's TLS middleware has completed a mutual-TLS handshake.
/// Per connection: map the client certificate to a user once, then loop
/// read → frame (header checked against the size limit before the body is awaited) → process → write,
/// with AdvanceTo(consumed, examined) and one flush per read. Pipelined messages are answered in order.
/// A framing error, or a framed message that is not valid TTLV (a codec error), gets one Invalid Message response,
/// then the connection closes. A valid TTLV message with bad content is answered and the connection goes on.
/// </summary>
public sealed class KmipConnectionHandler(IKmipProcessor processor, IdentityResolver identities, ServerOptions options, ILogger<KmipConnectionHandler> logger)
    : ConnectionHandler
{
    private readonly TtlvLimits _limits = options.Limits.Ttlv;
    private readonly TimeSpan _idleTimeout = TimeSpan.FromSeconds(options.Limits.IdleTimeoutSeconds);

    /// <inheritdoc/>
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        string? peer = connection.RemoteEndPoint?.ToString();
        var certificate = connection.Features.Get<ITlsConnectionFeature>()?.ClientCertificate;
        string? user = certificate is null ? null : identities.UserFromCertificate(certificate);
        if (user is null)
        {
            Log.ConnectionRefused(logger, connection.ConnectionId, peer, certificate is null ? "no client certificate" : "the certificate names no acceptable user");
            return;
        }
        var caller = new CallerIdentity(identities.Effective(user), "socket", peer);
        Log.ConnectionOpened(logger, connection.ConnectionId, peer, caller.User);

        try
        {
            // Graceful shutdown: Kestrel asks each connection to close; the loop stops between messages.
            var closeRequested = connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested ?? CancellationToken.None;
            await RunAsync(connection.Transport.Input, connection.Transport.Output, caller, connection.ConnectionId, connection.ConnectionClosed, closeRequested);
        }
        catch (Exception e) when (e is ConnectionResetException or ConnectionAbortedException or IOException or OperationCanceledException)
        {
            // The peer went away: nothing to answer.
        }
        catch (Exception e)
        {
            Log.ConnectionFailed(logger, e, connection.ConnectionId);
            connection.Abort(new ConnectionAbortedException("internal error"));
        }
    }

    /// <summary>The framing loop of one authenticated connection (internal for the allocation test).</summary>
    internal async Task RunAsync(PipeReader input, PipeWriter output, CallerIdentity caller, string connectionId, CancellationToken closed, CancellationToken closeRequested)
    {
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(closed, closeRequested);
        while (true)
        {
            idle.CancelAfter(_idleTimeout);
            ReadResult result;
            try
            {
                result = await input.ReadAsync(idle.Token);
            }
            catch (OperationCanceledException) when (!closed.IsCancellationRequested)
            {
                if (!closeRequested.IsCancellationRequested) Log.IdleTimeout(logger, connectionId, (int)_idleTimeout.TotalSeconds);
                return;
            }

            var buffer = result.Buffer;
            bool wrote = false;
            FramingError error = FramingError.None;
            bool codecError = false;
            while (!codecError && TtlvFramer.TryReadMessage(ref buffer, _limits, out var message, out error))
            {
                // A state-changing message completes after its group commit is durable: awaited, so no thread waits
                // for the disk. The pipe's buffer stays valid until AdvanceTo; no span is held across the await.
                var processing = ProcessOne(message, output, caller);
                var outcome = processing.IsCompletedSuccessfully ? processing.Result : await processing;
                codecError = outcome == MessageOutcome.CodecError;
                wrote = true;
            }
            if (error != FramingError.None)
            {
                InvalidMessageResponse.Write(output, "the message cannot be framed");
                wrote = true;
            }
            // Consumed = whole messages taken; examined = everything seen, so a partial frame waits for more bytes.
            input.AdvanceTo(buffer.Start, buffer.End);
            if (wrote)
            {
                var flush = await output.FlushAsync(closed);
                if (flush.IsCompleted || flush.IsCanceled) return;
            }
            if (error != FramingError.None)
            {
                Log.FramingError(logger, connectionId, error);
                return;
            }
            if (codecError)
            {
                // KMIP 2.1 Table 478 (Codec Error): later requests might not be correctly separated.
                Log.CodecError(logger, connectionId);
                return;
            }
            if (result.IsCompleted || result.IsCanceled) return;
        }
    }

    private ValueTask<MessageOutcome> ProcessOne(in ReadOnlySequence<byte> message, IBufferWriter<byte> output, CallerIdentity caller)
    {
        if (message.IsSingleSegment) return processor.ProcessAsync(message.First, output, caller);
        // A message split across pipe segments is copied once into a pooled buffer, cleared before its return
        // because requests may carry key material. Its size is bounded by the framer's limit. The processor reads
        // the request only before it returns, so the buffer goes back at once.
        int length = (int)message.Length;
        byte[] rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            message.CopyTo(rented);
            return processor.ProcessAsync(rented.AsMemory(0, length), output, caller);
        }
        finally
        {
            rented.AsSpan(0, length).Clear();
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
