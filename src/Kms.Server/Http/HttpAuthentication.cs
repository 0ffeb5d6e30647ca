using Kms.Engine;
using Kms.Server.Auth;
using Kms.Server.Logging;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Kms.Server.Http;

/// <summary>
/// Authenticates an HTTP request with the same rules as the socket: a client certificate (validated against
/// the client CA bundle during the TLS handshake) names the user; else a JWT bearer token from a configured
/// provider; else, only when no authentication is configured at all, the default user.
/// </summary>
public sealed class HttpAuthentication(IdentityResolver identities, JwtAuthenticator jwt, ILogger<HttpAuthentication> logger)
{
    /// <summary>The caller, or null when the request must be refused with 401.</summary>
    public async Task<CallerIdentity?> AuthenticateAsync(HttpContext context)
    {
        string? peer = context.Connection.RemoteIpAddress?.ToString();
        string? user = null;
        string? reason = null;
        var certificate = context.Connection.ClientCertificate;
        string? authorization = context.Request.Headers.Authorization;
        if (certificate is not null)
        {
            user = identities.UserFromCertificate(certificate);
            reason = user is null ? "the certificate names no acceptable user" : null;
        }
        else if (authorization is not null && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && jwt.Enabled)
        {
            (user, reason) = await jwt.AuthenticateAsync(authorization["Bearer ".Length..].Trim(), context.RequestAborted);
        }
        else if (!identities.AuthenticationConfigured)
        {
            return new CallerIdentity(identities.DefaultUser, "http", peer);
        }
        else
        {
            reason = "no client certificate and no bearer token";
        }
        if (user is null)
        {
            Log.HttpUnauthenticated(logger, peer, reason ?? "refused");
            return null;
        }
        return new CallerIdentity(identities.Effective(user), "http", peer);
    }
}
