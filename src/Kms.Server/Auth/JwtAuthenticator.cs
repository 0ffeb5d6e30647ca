using System.Text.Json;
using Kms.Server.Configuration;
using Kms.Server.Logging;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Kms.Server.Auth;

/// <summary>
/// Validates HTTP bearer tokens against the configured OIDC providers (<c>[idp_auth] jwt_auth_provider</c>):
/// the token's issuer picks the provider; its signature is checked with the provider's JWKS (fetched over
/// HTTP, cached, refetched at most every 10 s when a key id is unknown); lifetime and, when configured,
/// audience are checked. The user is the <c>email</c> claim, else <c>sub</c>.
/// </summary>
public sealed class JwtAuthenticator
{
    private static readonly TimeSpan s_cacheLifetime = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan s_refetchInterval = TimeSpan.FromSeconds(10);

    private readonly List<Provider> _providers;
    private readonly HttpClient _http;
    private readonly JsonWebTokenHandler _handler = new();
    private readonly ILogger _logger;

    /// <summary>Parses the provider list; a malformed entry is a configuration error.</summary>
    public JwtAuthenticator(IdpAuthOptions options, ILogger<JwtAuthenticator> logger, HttpClient? http = null)
    {
        _logger = logger;
        _providers = ParseProviders(options);
        _http = http ?? new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
    }

    /// <summary>True when at least one provider is configured.</summary>
    public bool Enabled => _providers.Count > 0;

    /// <summary>Checks the provider list (start-up validation); a malformed entry is a <see cref="ConfigException"/>.</summary>
    public static void Validate(IdpAuthOptions options) => ParseProviders(options);

    private static List<Provider> ParseProviders(IdpAuthOptions options)
    {
        var providers = new List<Provider>();
        foreach (string entry in options.JwtAuthProvider)
        {
            string[] parts = entry.Split(',', StringSplitOptions.TrimEntries);
            if (parts.Length is < 1 or > 3 || parts[0].Length == 0)
                throw new ConfigException($"idp_auth.jwt_auth_provider: expected 'issuer,jwks_uri[,audience]', got '{entry}'");
            string issuer = parts[0];
            string jwks = parts.Length > 1 && parts[1].Length > 0 ? parts[1] : issuer.TrimEnd('/') + "/.well-known/jwks.json";
            if (!Uri.TryCreate(jwks, UriKind.Absolute, out var jwksUri))
                throw new ConfigException($"idp_auth.jwt_auth_provider: '{jwks}' is not an absolute URI");
            providers.Add(new Provider(issuer, jwksUri, parts.Length > 2 && parts[2].Length > 0 ? parts[2] : null));
        }
        return providers;
    }

    /// <summary>Returns the authenticated user of <paramref name="token"/>, or null with a reason (never the token).</summary>
    public async Task<(string? User, string? Reason)> AuthenticateAsync(string token, CancellationToken cancellationToken)
    {
        JsonWebToken parsed;
        try { parsed = new JsonWebToken(token); }
        catch (ArgumentException) { return (null, "malformed token"); }
        Provider? provider = null;
        foreach (var p in _providers)
            if (string.Equals(p.Issuer.TrimEnd('/'), parsed.Issuer.TrimEnd('/'), StringComparison.Ordinal)) provider = p;
        if (provider is null) return (null, "unknown issuer");

        var keys = await provider.GetKeysAsync(this, forceRefresh: false, cancellationToken);
        var result = await ValidateAsync(token, provider, keys);
        if (!result.IsValid && result.Exception is SecurityTokenSignatureKeyNotFoundException)
        {
            keys = await provider.GetKeysAsync(this, forceRefresh: true, cancellationToken);
            result = await ValidateAsync(token, provider, keys);
        }
        if (!result.IsValid) return (null, "invalid token: " + result.Exception?.GetType().Name);
        string? user = (result.Claims.TryGetValue("email", out var email) ? email as string : null)
            ?? (result.Claims.TryGetValue("sub", out var sub) ? sub as string : null);
        user = IdentityResolver.Accept(user);
        return user is null ? (null, "token names no user") : (user, null);
    }

    private Task<TokenValidationResult> ValidateAsync(string token, Provider provider, IList<SecurityKey> keys) =>
        _handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuers = [provider.Issuer, provider.Issuer.TrimEnd('/'), provider.Issuer.TrimEnd('/') + "/"],
            ValidateAudience = provider.Audience is not null,
            ValidAudience = provider.Audience,
            IssuerSigningKeys = keys,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            ClockSkew = TimeSpan.FromSeconds(60),
        });

    private sealed class Provider(string issuer, Uri jwksUri, string? audience)
    {
        private readonly SemaphoreSlim _lock = new(1, 1);
        private IList<SecurityKey> _keys = [];
        private DateTime _fetchedAt = DateTime.MinValue;

        public string Issuer { get; } = issuer;
        public string? Audience { get; } = audience;

        public async Task<IList<SecurityKey>> GetKeysAsync(JwtAuthenticator owner, bool forceRefresh, CancellationToken cancellationToken)
        {
            var age = DateTime.UtcNow - _fetchedAt;
            if (age < (forceRefresh ? s_refetchInterval : s_cacheLifetime)) return _keys;
            await _lock.WaitAsync(cancellationToken);
            try
            {
                age = DateTime.UtcNow - _fetchedAt;
                if (age < (forceRefresh ? s_refetchInterval : s_cacheLifetime)) return _keys;
                try
                {
                    string json = await owner._http.GetStringAsync(jwksUri, cancellationToken);
                    _keys = new JsonWebKeySet(json).GetSigningKeys();
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or ArgumentException or JsonException)
                {
                    Log.JwksFetchFailed(owner._logger, jwksUri.ToString(), e.GetType().Name);
                }
                _fetchedAt = DateTime.UtcNow;
                return _keys;
            }
            finally
            {
                _lock.Release();
            }
        }
    }
}
