using Microsoft.Extensions.Logging;

namespace Kms.Server.Logging;

/// <summary>Every log message of the server, source-generated (no boxing, no formatting when disabled). Never key material.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "KMIP socket listening on {Endpoint} (mutual TLS{Echo})")]
    public static partial void SocketListening(ILogger logger, string endpoint, string echo);

    [LoggerMessage(2, LogLevel.Information, "KMIP socket off: {Reason}")]
    public static partial void SocketOff(ILogger logger, string reason);

    [LoggerMessage(3, LogLevel.Information, "HTTP listening on {Scheme}://{Endpoint}")]
    public static partial void HttpListening(ILogger logger, string scheme, string endpoint);

    [LoggerMessage(4, LogLevel.Warning, "No authentication is configured: every caller acts as '{User}'; HTTP is bound to loopback only")]
    public static partial void NoAuthentication(ILogger logger, string user);

    [LoggerMessage(5, LogLevel.Warning, "Connection {ConnectionId} from {Peer} refused: {Reason}")]
    public static partial void ConnectionRefused(ILogger logger, string connectionId, string? peer, string reason);

    [LoggerMessage(6, LogLevel.Debug, "Connection {ConnectionId} from {Peer} opened as '{User}'")]
    public static partial void ConnectionOpened(ILogger logger, string connectionId, string? peer, string user);

    [LoggerMessage(7, LogLevel.Information, "Connection {ConnectionId} idle for {Seconds} s: closed")]
    public static partial void IdleTimeout(ILogger logger, string connectionId, int seconds);

    [LoggerMessage(8, LogLevel.Warning, "Connection {ConnectionId}: framing error {Error}; Invalid Message sent, connection closed")]
    public static partial void FramingError(ILogger logger, string connectionId, Kms.Ttlv.Framing.FramingError error);

    [LoggerMessage(14, LogLevel.Warning, "Connection {ConnectionId}: a message is not valid TTLV; Invalid Message sent, connection closed")]
    public static partial void CodecError(ILogger logger, string connectionId);

    [LoggerMessage(9, LogLevel.Critical, "Connection {ConnectionId}: unexpected failure, connection aborted")]
    public static partial void ConnectionFailed(ILogger logger, Exception exception, string connectionId);

    [LoggerMessage(10, LogLevel.Warning, "HTTP request from {Peer} not authenticated: {Reason}")]
    public static partial void HttpUnauthenticated(ILogger logger, string? peer, string reason);

    [LoggerMessage(11, LogLevel.Warning, "JWKS fetch from {Uri} failed: {Reason}")]
    public static partial void JwksFetchFailed(ILogger logger, string uri, string reason);

    [LoggerMessage(13, LogLevel.Warning, "Store: {Warning}")]
    public static partial void StoreWarning(ILogger logger, string warning);

    [LoggerMessage(12, LogLevel.Information, "Shutting down: draining connections, then flushing the store")]
    public static partial void ShuttingDown(ILogger logger);
}
